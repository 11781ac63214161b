package facts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	envConf := filepath.Join(dir, "env.conf")
	flagConf := filepath.Join(dir, "flag.conf")
	require.NoError(t, os.WriteFile(envConf, []byte("vip = 203.0.113.10\nsettle = 3s\n"), 0o644))
	require.NoError(t, os.WriteFile(flagConf, []byte("vip = 203.0.113.11\n"), 0o644))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	withEnv := env(map[string]string{ConfigEnv: envConf})

	c := Resolve(nil, withEnv, 1000)
	require.NoError(t, c.Err)
	assert.Equal(t, envConf, c.ConfigFile, "the environment names the file")
	assert.Equal(t, "203.0.113.10", c.VIP.String())
	assert.Equal(t, envConf+":2", c.Sources["settle"])

	c = Resolve(Settings{ConfigKey: {flagConf, "flag --config"}}, withEnv, 1000)
	assert.Equal(t, flagConf, c.ConfigFile, "--config beats the environment")
	assert.Equal(t, "203.0.113.11", c.VIP.String())
	assert.Equal(t, "default", c.Sources["settle"])

	c = Resolve(Settings{"settle": {"0s", "flag --settle"}}, withEnv, 1000)
	assert.Equal(t, "flag --settle", c.Sources["settle"], "a flag beats the file")
	assert.Equal(t, "203.0.113.10", c.VIP.String())

	c = Resolve(Settings{ConfigKey: {"", "flag --config"}}, withEnv, 1000)
	assert.EqualError(t, c.Err, "flag --config: empty path")
	assert.False(t, c.Configured)

	missing := filepath.Join(dir, "missing.conf")
	c = Resolve(nil, env(map[string]string{ConfigEnv: missing}), 1000)
	assert.EqualError(t, c.Err, missing+": open: no such file or directory", "a file named by the environment must exist")
	c = Resolve(Settings{ConfigKey: {missing, "flag --config"}, "vip": {"", "flag --vip"}}, env(nil), 1000)
	assert.Error(t, c.Err, "a file named by --config must exist, even in mode all")
}
