package wporg_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/remote/wporg"
	"github.com/hardsail/hardsail/remote/wporg/recorded"
)

func TestAgainstRecordedAnswers(t *testing.T) {
	srv := httptest.NewServer(recorded.Handler(""))
	t.Cleanup(srv.Close)
	c := wporg.New(srv.URL)
	ctx := t.Context()
	if v, err := c.LatestCore(ctx); v != "6.8.1" || err != nil {
		t.Errorf("latest core %q, %v; want the recorded 6.8.1", v, err)
	}
	sums, err := c.Checksums(ctx, "6.1.9")
	if err != nil || len(sums) != 5 || sums["index.php"] != "926dd0f95df723f9ed934eb058882cc8" {
		t.Errorf("checksums of 6.1.9: %d files, index.php %q, %v", len(sums), sums["index.php"], err)
	}
	cases := []struct {
		name, want string
		get        func() (string, error)
		notFound   bool
	}{
		{"a plugin in the directory", "5.4", func() (string, error) { return c.Plugin(ctx, "akismet") }, false},
		{"a plugin outside it", "", func() (string, error) { return c.Plugin(ctx, "my-agency-tools") }, true},
		{"a theme in the directory", "1.6", func() (string, error) { return c.Theme(ctx, "twentytwentythree") }, false},
		{"a theme outside it", "", func() (string, error) { return c.Theme(ctx, "acme-child") }, true},
		{"an unknown core release", "", func() (string, error) {
			_, err := c.Checksums(ctx, "6.1.99")
			return "", err
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tc.get()
			if v != tc.want || errors.Is(err, wporg.ErrNotFound) != tc.notFound || (err != nil) != tc.notFound {
				t.Errorf("got %q, %v; want %q (not found: %v)", v, err, tc.want, tc.notFound)
			}
		})
	}
}

func TestNoUsableAnswer(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens: like a machine offline
	cases := []struct {
		name    string
		handler http.HandlerFunc
		status  int
		says    string
	}{
		{"offline", nil, 0, "connect"},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "busy", http.StatusServiceUnavailable) }, 503, "HTTP 503"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>captive portal</html>")) }, 200, "not the JSON expected"},
		{"no offers", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"offers":[]}`)) }, 200, "offers no version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := down.URL
			if tc.handler != nil {
				srv := httptest.NewServer(tc.handler)
				t.Cleanup(srv.Close)
				base = srv.URL
			}
			c := wporg.New(base)
			var heard int
			c.Observe = func(u string, status int, _ time.Duration, err error) {
				heard++
				if !strings.HasPrefix(u, base+"/core/version-check/1.7/") || status != tc.status || (err == nil) != (tc.name == "no offers") {
					t.Errorf("observed %s %d %v", u, status, err)
				}
			}
			_, err := c.LatestCore(t.Context())
			var e *wporg.Error
			if !errors.As(err, &e) || e.Status != tc.status || !strings.Contains(err.Error(), tc.says) || e.HintText() == "" {
				t.Errorf("error %v; want a *wporg.Error with status %d saying %q", err, tc.status, tc.says)
			}
			if heard != 1 {
				t.Errorf("observed %d requests, want 1", heard)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	srv := httptest.NewServer(recorded.Handler("6.1.9"))
	t.Cleanup(srv.Close)
	t.Setenv(wporg.EnvURL, srv.URL+"/")
	if v, err := wporg.FromEnv().LatestCore(t.Context()); v != "6.1.9" || err != nil {
		t.Errorf("latest from $%s: %q, %v", wporg.EnvURL, v, err)
	}
	t.Setenv(wporg.EnvURL, "")
	if c := wporg.FromEnv(); c.BaseURL != wporg.DefaultURL {
		t.Errorf("unset: base %q, want %q", c.BaseURL, wporg.DefaultURL)
	}
}
