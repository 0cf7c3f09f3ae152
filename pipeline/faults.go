package pipeline

import (
	"errors"
	"io/fs"
	"syscall"
)

// ErrOwnFile stops a run: leadsync could not write a file of its own (the
// export output, a report). Nothing is wrong with the rows, so none is
// rejected for it; the run fails and the same command, run again once the
// file can be written, resumes it.
var ErrOwnFile = errors.New("leadsync could not write its own file")

// ownFileFault reports whether an error a file sink (a sinks.Stream)
// returned for a row is in fact the failure of the file the sink writes
// (disk full, read-only, an I/O error): every failed file operation is an
// *fs.PathError, while a row's own problem (a value too long for a cell)
// never is.
func ownFileFault(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EFBIG, syscall.EIO} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}
