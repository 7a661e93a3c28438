package registry_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/hardsail/hardsail/remote/wporg"
	"github.com/hardsail/hardsail/remote/wporg/recorded"
)

// TestMain points the wordpress step at recorded WordPress.org answers, so no test asks the real
// api.wordpress.org (reachable or not, the answers would change under the tests).
func TestMain(m *testing.M) {
	url, stop, err := recorded.Serve()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(wporg.EnvURL, url)
	code := m.Run()
	stop()
	os.Exit(code)
}
