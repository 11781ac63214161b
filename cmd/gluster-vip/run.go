package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Exit codes of `run` when it did not run the command, as env(1),
// timeout(1) and POSIX shells use them.
const (
	exitRunNotHolder  = 124 // decided not to run
	exitRunError      = 125 // error or usage: did not run
	exitRunCannotExec = 126 // COMMAND found but could not be executed
	exitRunNotFound   = 127 // COMMAND not found
)

// lookupError is a COMMAND that can't be run, with its exit code.
type lookupError struct {
	code int
	err  error
}

func (e *lookupError) Error() string { return e.err.Error() }

// lookPath finds name as execvp(3) would, in path ($PATH): a name with a
// slash is used as is. Unlike a shell, relative entries of $PATH ("", ".")
// are skipped: a guarded command must not be picked up from whatever the
// working directory happens to be (os/exec refuses them too, with ErrDot).
// A file found but not executable is remembered and reported (126) only if
// no later entry has an executable one, as shells do.
func lookPath(name, path string) (string, error) {
	if name == "" {
		return "", &lookupError{exitRunNotFound, errors.New("empty command name")}
	}
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	var denied error
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		err := executable(p)
		if err == nil {
			return p, nil
		}
		var le *lookupError
		if denied == nil && errors.As(err, &le) && le.code == exitRunCannotExec {
			denied = err
		}
	}
	if denied != nil {
		return "", denied
	}
	return "", &lookupError{exitRunNotFound, fmt.Errorf("%s: not found in $PATH (%s)", name, path)}
}

// executable stats p: 127 if it is missing, 126 if it is there but is a
// directory or has no execute bit. execve(2) has the last word.
func executable(p string) error {
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir):
		return &lookupError{exitRunNotFound, fmt.Errorf("%s: not found", p)}
	case err != nil:
		return &lookupError{exitRunCannotExec, fmt.Errorf("%s: %w", p, cause(err))}
	case fi.IsDir():
		return &lookupError{exitRunCannotExec, fmt.Errorf("%s: is a directory", p)}
	case fi.Mode().Perm()&0o111 == 0:
		return &lookupError{exitRunCannotExec, fmt.Errorf("%s: not executable (mode %04o)", p, fi.Mode().Perm())}
	}
	return nil
}

func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
