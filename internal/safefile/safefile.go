// Package safefile is how leadsync writes every file it leaves behind
// (reports, summaries, plans, exports, the sandbox's records): never
// through a symbolic link someone planted where the file goes.
//
// A file is written to a new temporary file in the same folder, opened
// with O_CREATE|O_EXCL|O_NOFOLLOW (so neither an existing file nor a link
// can be opened in its place), then renamed onto its name. A rename
// replaces a link at the name; it never writes to the link's target.
// Files that cannot be renamed into place (the state database and its
// journal) are checked with RefuseLinks before they are opened.
package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrLink is the cause of RefuseLinks' error.
var ErrLink = errors.New("is a symbolic link; leadsync does not open its files through links (remove the link)")

// File is a file being written: Commit puts it in place, Abort drops it.
// Writes go to a temporary file beside the final name.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path (mode perm). Nothing is visible at path
// until Commit.
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	for range 10 {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, err
		}
		tmp := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(r[:]))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|oNoFollow, perm)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &File{File: f, path: path}, nil
	}
	return nil, fmt.Errorf("%s: no free temporary name", path)
}

// Path is the final name.
func (f *File) Path() string { return f.path }

// Commit flushes the file to disk and renames it onto its final name,
// replacing whatever is there (a planted link included, never its
// target). After a failed Commit the temporary file is gone.
func (f *File) Commit() error {
	if f.done {
		return errors.New(f.path + ": already committed or aborted")
	}
	f.done = true
	tmp := f.File.Name()
	err := f.File.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Abort closes and removes the temporary file; the final name is left as
// it was. It is safe after Commit (it then does nothing).
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.File.Close()
	return os.Remove(f.File.Name())
}

// Write writes path with fn, in place only if fn succeeds.
func Write(path string, perm os.FileMode, fn func(w io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// WriteFile is os.WriteFile through Create and Commit.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Sweep removes the temporary files a killed writer of path left behind
// (Create's ".name.tmp-…" beside it). Call it only where no other writer
// of path can be at work (a run's own report folder, under its lock).
func Sweep(path string) {
	for _, p := range Leftovers(path) {
		os.Remove(p)
	}
}

func globEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// RefuseLinks returns an error naming the first of paths that is a
// symbolic link (paths that do not exist are fine), for files opened in
// place rather than renamed into it.
func RefuseLinks(paths ...string) error {
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s %w", p, ErrLink)
		}
	}
	return nil
}

// MkdirAll creates a folder leadsync writes into, refusing one that is
// (or whose parent is) a symbolic link: a planted link to a folder
// elsewhere must not receive the reports.
func MkdirAll(dir string, perm os.FileMode) error {
	if err := RefuseLinks(dir, filepath.Dir(dir)); err != nil {
		return err
	}
	return os.MkdirAll(dir, perm)
}

// PartialName is where a file written over several runs (a resumable
// export) lives until it is complete: ".name.partial" beside path.
func PartialName(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".partial")
}

// CreatePartial starts path's partial file anew (emptying one a killed
// run left). Like Create it never opens through a link; Commit renames it
// onto path, Abort removes it, and Close keeps it for ResumePartial.
func CreatePartial(path string, perm os.FileMode) (*File, error) {
	p := PartialName(path)
	if err := RefuseLinks(p); err != nil {
		// A link planted at the partial name is removed, never followed.
		if err := os.Remove(p); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC|oNoFollow, perm)
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// ResumePartial opens path's partial file left by an interrupted run,
// cut to size (what that run committed), positioned at its end. It fails
// when there is no such file or it is shorter than size.
func ResumePartial(path string, size int64) (*File, error) {
	return reopen(path, PartialName(path), size)
}

// Leftovers are the temporary files killed writers of path left beside
// it (Create's ".name.tmp-…"), regular files only.
func Leftovers(path string) []string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	names, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".tmp-*"))
	var left []string
	for _, p := range names {
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			left = append(left, p)
		}
	}
	return left
}

// Adopt takes over name, a file an interrupted writer of path left (path
// itself, committed, or one of its Leftovers), as path's temporary file,
// cut to size and positioned at its end, so that a resumed run goes on
// writing it: Commit puts it in place again. A committed file is first
// moved aside, so path holds nothing until then. It fails (leaving name
// as it was) when name is not a regular file of at least size bytes.
func Adopt(path, name string, size int64) (*File, error) {
	if name != path {
		return reopen(path, name, size)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() < size {
		return nil, fmt.Errorf("%s: %d bytes (or not a file), the interrupted run committed %d", path, fi.Size(), size)
	}
	tmp, err := Create(path, fi.Mode().Perm())
	if err != nil {
		return nil, err
	}
	name = tmp.File.Name()
	tmp.File.Close()
	if err := os.Rename(path, name); err != nil {
		os.Remove(name)
		return nil, err
	}
	return reopen(path, name, size)
}

// reopen opens file, path's temporary or partial file, cut to size.
func reopen(path, file string, size int64) (*File, error) {
	f, err := os.OpenFile(file, os.O_RDWR|oNoFollow, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && (!fi.Mode().IsRegular() || fi.Size() < size) {
		err = fmt.Errorf("%s: %d bytes, the interrupted run committed %d", f.Name(), fi.Size(), size)
	}
	if err == nil {
		err = f.Truncate(size)
	}
	if err == nil {
		_, err = f.Seek(size, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Close closes the file and keeps it where it is (a partial file, for a
// resumed run); the final name is left as it was.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	return f.File.Close()
}
