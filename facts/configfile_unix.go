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
// When euid is 0 the file must be owned by root and writable by nobody
// else, and so must its directory: the file decides who runs privileged
// commands.
func ReadConfigFile(path string, explicit bool, euid int) (Settings, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return nil, nil
		}
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("open: %w", unwrapPath(err))}
	}
	defer f.Close()
	// fstat the open file, so the checks apply to what is read.
	fi, err := f.Stat()
	if err != nil {
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("stat: %w", unwrapPath(err))}
	}
	if !fi.Mode().IsRegular() {
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}
	if euid == 0 {
		if err := checkOwner(fi, "file"); err != nil {
			return nil, &ConfigError{Source: path, Err: err}
		}
		dir := filepath.Dir(path)
		di, err := os.Stat(dir)
		if err != nil {
			return nil, &ConfigError{Source: path, Err: fmt.Errorf("stat directory %s: %w", dir, unwrapPath(err))}
		}
		if err := checkOwner(di, "directory "+dir); err != nil {
			return nil, &ConfigError{Source: path, Err: err}
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, &ConfigError{Source: path, Err: fmt.Errorf("read: %w", unwrapPath(err))}
	}
	return ParseConfig(path, data)
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

// unwrapPath drops the *PathError wrapper, whose path the caller names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
