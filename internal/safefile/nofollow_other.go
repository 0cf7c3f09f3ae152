//go:build !unix

package safefile

// O_EXCL already refuses an existing link where O_NOFOLLOW is unknown.
const oNoFollow = 0
