//go:build !unix

package facts

// ReadConfigFile is not implemented off unix: there is no owner to check,
// so the config is refused rather than trusted.
func ReadConfigFile(path string, explicit bool, euid int) (Settings, error) {
	return nil, &ConfigError{Source: path, Err: ErrNotImplemented}
}
