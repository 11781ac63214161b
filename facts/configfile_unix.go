//go:build unix

package facts

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ReadConfigFile reads and parses the config file at path. A missing file
// is not an error unless explicit (named by --config or the environment):
// it means the node is not configured yet, and Settings is nil.
//
// The file is opened so that opening can't block (O_NONBLOCK: a FIFO with
// no writer, a device), then checked with fstat, so the checks apply to
// what is read: only a regular file is read. Reading a file on a hung
// filesystem can still block; callers bound it with a Deadline.
//
// When euid is 0 the file must be owned by root and writable by nobody
// else, and so must its directory: the file decides who runs privileged
// commands. Symlinks are followed (a config managed elsewhere may be
// linked in), but then both the directory of the name given and the one
// that really holds the opened file must pass: a root-owned link into a
// directory that others can write would let them swap the file.
func ReadConfigFile(path string, explicit bool, euid int) (Settings, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return nil, nil
		}
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("open: %w", UnwrapPath(err))}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("stat: %w", UnwrapPath(err))}
	}
	if !fi.Mode().IsRegular() {
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("not a regular file (%s); refusing it", fileType(fi.Mode()))}
	}
	if euid == 0 {
		if err := checkOwner(fi, "file"); err != nil {
			return nil, &ConfigError{Source: path, Err: err}
		}
		dirs := []string{filepath.Dir(path)}
		real, err := realPath(f, path)
		if err != nil {
			return nil, &ConfigError{Source: path, Err: fmt.Errorf("resolve links: %w", UnwrapPath(err))}
		}
		if d := filepath.Dir(real); d != dirs[0] {
			dirs = append(dirs, d)
		}
		for _, dir := range dirs {
			di, err := os.Stat(dir)
			if err != nil {
				return nil, &ConfigError{Source: path, Err: fmt.Errorf("stat directory %s: %w", dir, UnwrapPath(err))}
			}
			if err := checkOwner(di, "directory "+dir); err != nil {
				return nil, &ConfigError{Source: path, Err: err}
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("read: %w", UnwrapPath(err))}
	}
	return ParseConfig(path, data)
}

// realPath names the file f really is. Linux tells it through /proc, for
// the open descriptor itself; elsewhere the path's links are resolved.
func realPath(f *os.File, path string) (string, error) {
	if p, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd())); err == nil && filepath.IsAbs(p) {
		return p, nil
	}
	return filepath.EvalSymlinks(path)
}

func fileType(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeSocket != 0:
		return "a socket"
	}
	return "type " + m.Type().String()
}

// checkOwner refuses what root does not own, or what group or other may
// write. A sticky directory (such as /tmp) only lets owners replace files.
func checkOwner(fi fs.FileInfo, what string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: can't read its owner", what)
	}
	if st.Uid != 0 {
		return fmt.Errorf("%s is owned by uid %d, not root; refusing it", what, st.Uid)
	}
	perm := fi.Mode().Perm()
	if perm&0o022 != 0 && !(fi.IsDir() && fi.Mode()&fs.ModeSticky != 0) {
		return fmt.Errorf("%s is writable by group or other (mode %04o); refusing it (chmod go-w)", what, perm)
	}
	return nil
}
