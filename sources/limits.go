package sources

import (
	"errors"
	"fmt"
	"os"
)

// Limits bound what reading one input may cost. They are far above what a
// real export needs; a job raises them with source.limits. A zero field
// means its default.
type Limits struct {
	// CSV.
	MaxRecordBytes int64 // one record (default 4 MiB): a longer one is refused before it is held
	MaxFieldBytes  int64 // one field (default 1 MiB): a longer one is a row error
	// XLSX.
	MaxUnzipBytes         int64 // every part of the workbook, unpacked (default 2 GiB)
	MaxSheetBytes         int64 // the worksheet read, unpacked (default 2 GiB; streamed through a temp file)
	MaxPartBytes          int64 // any other part (styles, themes, ...), unpacked (default 32 MiB; held in memory)
	MaxSharedStrings      int64 // entries in the shared-strings table (default 1,000,000)
	MaxSharedStringsBytes int64 // the shared-strings part, unpacked (default 256 MiB)
	MaxParts              int64 // parts in the archive (default 10,000)
	MaxPartElements       int64 // XML elements in one part excelize decodes whole (styles, theme, workbook; default 200,000)
	MaxInMemoryBytes      int64 // the parts held in memory, added up (default 64 MiB); larger sheets and shared strings are streamed from temp files instead
}

// Default limits.
const (
	DefaultMaxRecordBytes        = 4 << 20
	DefaultMaxFieldBytes         = 1 << 20
	DefaultMaxUnzipBytes         = 2 << 30
	DefaultMaxSheetBytes         = 2 << 30
	DefaultMaxPartBytes          = 32 << 20
	DefaultMaxSharedStrings      = 1_000_000
	DefaultMaxSharedStringsBytes = 256 << 20
	DefaultMaxParts              = 10_000
	DefaultMaxInMemoryBytes      = 64 << 20
	DefaultMaxPartElements       = 200_000
)

// WithDefaults fills the zero fields.
func (l Limits) WithDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxRecordBytes, DefaultMaxRecordBytes)
	def(&l.MaxFieldBytes, DefaultMaxFieldBytes)
	def(&l.MaxUnzipBytes, DefaultMaxUnzipBytes)
	def(&l.MaxSheetBytes, DefaultMaxSheetBytes)
	def(&l.MaxPartBytes, DefaultMaxPartBytes)
	def(&l.MaxSharedStrings, DefaultMaxSharedStrings)
	def(&l.MaxSharedStringsBytes, DefaultMaxSharedStringsBytes)
	def(&l.MaxParts, DefaultMaxParts)
	def(&l.MaxInMemoryBytes, DefaultMaxInMemoryBytes)
	def(&l.MaxPartElements, DefaultMaxPartElements)
	return l
}

// ErrLimit: the input is over one of the Limits. The message names the
// limit's job option.
var ErrLimit = errors.New("over a limit")

// ErrNotRegular: the path names a folder, a device, a pipe or a socket.
var ErrNotRegular = errors.New("not a regular file")

// OpenFile opens path for reading if it is a regular file. A folder, a
// device (/dev/zero), a named pipe or a socket is refused before it is
// opened, so reading can neither block nor run forever; the check is
// repeated on the open file.
func OpenFile(path string) (*os.File, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fileError(path, err)
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fileError(path, err)
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, fileError(path, err)
	}
	if err := checkRegular(path, fi); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func checkRegular(path string, fi os.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("%s: %w: it is a folder; source.path must name the CSV or XLSX file itself", path, ErrNotRegular)
	case m&os.ModeNamedPipe != 0:
		return fmt.Errorf("%s: %w: it is a named pipe (FIFO); leadsync reads only regular files, so save the data to a file first", path, ErrNotRegular)
	case m&os.ModeSocket != 0:
		return fmt.Errorf("%s: %w: it is a socket; leadsync reads only regular files, so save the data to a file first", path, ErrNotRegular)
	case m&os.ModeDevice != 0:
		return fmt.Errorf("%s: %w: it is a device; leadsync reads only regular files, so save the data to a file first", path, ErrNotRegular)
	}
	return fmt.Errorf("%s: %w (mode %v); leadsync reads only regular files", path, ErrNotRegular, m)
}

func fileError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s: %w: no such file (check source.path; a relative path is relative to the job file)", path, os.ErrNotExist)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%s: %w: leadsync may not read it (check the file's permissions)", path, os.ErrPermission)
	}
	return err
}
