package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWithToken(t *testing.T) {
	env := []string{"PATH=/bin", "GLUSTER_VIP_TOKEN=3", "GLUSTER_VIP_TOKENS=x", "HOME=/root"}
	assert.Equal(t, []string{"PATH=/bin", "GLUSTER_VIP_TOKENS=x", "HOME=/root", "GLUSTER_VIP_TOKEN=9"}, withToken(env, 9),
		"a token passed in by the caller is replaced, never passed through")
}
