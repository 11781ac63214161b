package facts

import "errors"

// ConfigKey is the flag that names the config file. It is not a config
// key (a file can't name itself), but Resolve takes it among the flag
// settings so that one map carries the whole command line.
const ConfigKey = "config"

// ConfigEnv names the config file when --config is not given.
const ConfigEnv = "GLUSTER_VIP_CONFIG"

// Resolve builds the Config from every source, by precedence: flags, then
// the config file (named by the --config flag, then $GLUSTER_VIP_CONFIG,
// then DefaultConfigPath), then defaults. flags holds the command line's
// settings, keyed by config key, plus ConfigKey. A file named by the flag
// or the environment must exist; the default one may be missing (the node
// is then not configured, unless a flag gives a vip).
//
// Reading the file can block (a FIFO, a hung filesystem): call Resolve
// inside the run's Deadline.
func Resolve(flags Settings, getenv func(string) string, euid int) Config {
	path, explicit := DefaultConfigPath, false
	if s, ok := flags[ConfigKey]; ok {
		path, explicit = s.Value, true
	} else if env := getenv(ConfigEnv); env != "" {
		path, explicit = env, true
	}
	if path == "" {
		// Most likely --config "$UNSET": refuse rather than guess a file.
		return Merge(flags, nil, "", &ConfigError{Source: flags[ConfigKey].Source, Err: errors.New("empty path")})
	}
	file, err := ReadConfigFile(path, explicit, euid)
	return Merge(flags, file, path, err)
}
