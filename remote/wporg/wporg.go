// Package wporg is a small client of the WordPress.org API (api.wordpress.org): the latest core
// version, the checksums of a core release, and the latest version of a plugin or theme in the
// directory. Its base URL can be pointed elsewhere (HARDSAIL_WPORG_URL, or Client.BaseURL), so
// tests and the demo serve recorded answers (remote/wporg/recorded).
package wporg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultURL is WordPress.org's API.
const DefaultURL = "https://api.wordpress.org"

// EnvURL names the environment variable that replaces DefaultURL.
const EnvURL = "HARDSAIL_WPORG_URL"

// maxBody caps an answer: a core release's checksums are ~300 kB.
const maxBody = 8 << 20

// Client asks WordPress.org.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Observe, when set, hears every request: its URL, the HTTP status (0 when none came back),
	// how long it took and its error.
	Observe func(url string, status int, took time.Duration, err error)
}

// New returns a client of the API at base (DefaultURL when empty).
func New(base string) *Client {
	if base == "" {
		base = DefaultURL
	}
	return &Client{BaseURL: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 15 * time.Second}}
}

// FromEnv returns a client of $HARDSAIL_WPORG_URL, or of WordPress.org when it is unset.
func FromEnv() *Client { return New(os.Getenv(EnvURL)) }

// ErrNotFound is a plugin or theme that is not in the WordPress.org directory, or a core version
// it has no checksums for.
var ErrNotFound = errors.New("not on WordPress.org")

// Error is a request that got no usable answer.
type Error struct {
	URL    string
	Status int // 0: no answer at all (offline, refused, timed out)
	Err    error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("ask WordPress.org (%s): HTTP %d: %v", e.URL, e.Status, e.Err)
	}
	return fmt.Sprintf("ask WordPress.org (%s): %v", e.URL, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// HintText names the fix.
func (e *Error) HintText() string {
	return "Check that this computer can reach " + DefaultURL + " (or that " + EnvURL + " names a server that answers), then run hardsail again."
}

// LatestCore returns the newest WordPress release (the first offer of the version check).
func (c *Client) LatestCore(ctx context.Context) (string, error) {
	var a struct {
		Offers []struct {
			Response string `json:"response"`
			Current  string `json:"current"`
			Version  string `json:"version"`
		} `json:"offers"`
	}
	u := c.BaseURL + "/core/version-check/1.7/"
	if err := c.get(ctx, u, &a); err != nil {
		return "", err
	}
	for _, o := range a.Offers {
		if v := firstOf(o.Current, o.Version); v != "" {
			return v, nil
		}
	}
	return "", &Error{URL: u, Status: http.StatusOK, Err: errors.New("the answer offers no version")}
}

// Checksums returns the MD5 of every file of core release version (en_US), by path relative to
// the web root. ErrNotFound: WordPress.org knows no such release.
func (c *Client) Checksums(ctx context.Context, version string) (map[string]string, error) {
	u := c.BaseURL + "/core/checksums/1.0/?" + url.Values{"version": {version}, "locale": {"en_US"}}.Encode()
	var a struct {
		Checksums json.RawMessage `json:"checksums"`
	}
	if err := c.get(ctx, u, &a); err != nil {
		return nil, err
	}
	var sums map[string]string
	if err := json.Unmarshal(a.Checksums, &sums); err != nil || len(sums) == 0 {
		// An unknown release answers "checksums": false.
		return nil, fmt.Errorf("checksums of WordPress %s: %w", version, ErrNotFound)
	}
	return sums, nil
}

// Plugin returns the latest version of the plugin slug in the directory.
func (c *Client) Plugin(ctx context.Context, slug string) (string, error) {
	return c.info(ctx, "plugins", "plugin_information", slug)
}

// Theme returns the latest version of the theme slug in the directory.
func (c *Client) Theme(ctx context.Context, slug string) (string, error) {
	return c.info(ctx, "themes", "theme_information", slug)
}

func (c *Client) info(ctx context.Context, kind, action, slug string) (string, error) {
	u := c.BaseURL + "/" + kind + "/info/1.2/?" + url.Values{"action": {action}, "request[slug]": {slug}}.Encode()
	var a struct {
		Slug    string `json:"slug"`
		Version string `json:"version"`
		Error   string `json:"error"`
	}
	err := c.get(ctx, u, &a)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound || err == nil && a.Error != "" {
		return "", fmt.Errorf("%s %q: %w", strings.TrimSuffix(kind, "s"), slug, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	if a.Version == "" {
		return "", &Error{URL: u, Status: http.StatusOK, Err: errors.New("the answer has no version")}
	}
	return a.Version, nil
}

// get fetches u and decodes its JSON into v. A 404 still decodes, for its error message.
func (c *Client) get(ctx context.Context, u string, v any) (err error) {
	start, status := time.Now(), 0
	if c.Observe != nil {
		defer func() { c.Observe(u, status, time.Since(start), err) }()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &Error{URL: u, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "hardsail (+https://github.com/hardsail/hardsail)")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &Error{URL: u, Err: err}
	}
	defer resp.Body.Close()
	status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &Error{URL: u, Status: status, Err: err}
	}
	if status != http.StatusOK {
		return &Error{URL: u, Status: status, Err: errors.New(http.StatusText(status))}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{URL: u, Status: status, Err: fmt.Errorf("the answer is not the JSON expected: %w", err)}
	}
	return nil
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
