package job

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/leadsync/leadsync/config"
)

// Version is the module version and VCS revision the binary was built
// from ("v1.2.0", "(devel) rev 0163b1a, modified").
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " rev " + rev + modified
	}
	return v + " (" + bi.GoVersion + ")"
}

// ErrorText puts each of several configuration errors on its own line.
func ErrorText(err error) string {
	var ces config.Errors
	if errors.As(err, &ces) && len(ces) > 1 {
		return fmt.Sprintf("%d problems:\n  %s", len(ces), strings.ReplaceAll(ces.Error(), "\n", "\n  "))
	}
	return err.Error()
}

// NewLogger logs to w (stderr) in text or JSON lines; quiet keeps warnings
// and errors only.
func NewLogger(w io.Writer, format string, quiet bool) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{}
	if quiet {
		opts.Level = slog.LevelWarn
	}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

// CheckConcurrency bounds the --concurrency flag as validate bounds the
// job's concurrency.
func CheckConcurrency(n int) error {
	if n < 0 || n > config.MaxConcurrency {
		return fmt.Errorf("--concurrency must be between 1 and %d, not %d", config.MaxConcurrency, n)
	}
	return nil
}

// ByteSize is n in KB/MB/GB for people.
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
