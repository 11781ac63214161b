//go:build unix

package facts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestResolveRefusesFIFOAndDevices(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "gv.conf")
	require.NoError(t, unix.Mkfifo(fifo, 0o644))
	for path, want := range map[string]string{
		fifo:        "not a regular file (a FIFO); refusing it",
		"/dev/null": "not a regular file (a character device); refusing it",
	} {
		c := Resolve(Settings{ConfigKey: {path, "flag --config"}}, func(string) string { return "" }, 1000)
		assert.EqualError(t, c.Err, path+": "+want)
	}
}

// As root, a symlink is followed only if the directory that really holds
// the file passes the owner checks too.
func TestReadConfigFileSymlink(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but this test needs root (chown)")
		}
		t.Skip("needs root")
	}
	safe, open := t.TempDir(), t.TempDir()
	require.NoError(t, os.Chmod(safe, 0o755))
	require.NoError(t, os.Chmod(open, 0o777)) // not sticky: anyone may swap files
	target := filepath.Join(open, "real.conf")
	require.NoError(t, os.WriteFile(target, []byte("vip = 203.0.113.10\n"), 0o644))
	link := filepath.Join(safe, "gluster-vip.conf")
	require.NoError(t, os.Symlink(target, link))

	_, err := ReadConfigFile(link, true, 0)
	assert.EqualError(t, err, link+": directory "+open+" is writable by group or other (mode 0777); refusing it (chmod go-w)")
	_, err = ReadConfigFile(link, true, 1000)
	assert.NoError(t, err, "not root: no owner rules")

	require.NoError(t, os.Chmod(open, 0o755))
	s, err := ReadConfigFile(link, true, 0)
	require.NoError(t, err, "a link into a safe directory is fine")
	assert.Equal(t, "203.0.113.10", s["vip"].Value)
}
