// Package recorded serves answers recorded from the WordPress.org API (kept small: the checksums
// list only the core files the test hosts hold), for tests and the demo: point wporg.Client at a
// server running Handler. Plugins and themes it has no answer for are "not found", as WordPress.org
// says of one outside its directory; a core version it has no checksums for answers
// "checksums": false, as WordPress.org does.
package recorded

import (
	"embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hardsail/hardsail/remote/wporg"
)

//go:embed testdata/*.json
var answers embed.FS

// File returns a recorded answer by name ("version-check.json"); nil when there is none.
func File(name string) []byte {
	b, err := answers.ReadFile("testdata/" + name)
	if err != nil {
		return nil
	}
	return b
}

// Handler answers the API's paths the wporg client uses with the recorded answers. With latest
// set, the version check offers that release instead of the recorded one.
func Handler(latest string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /core/version-check/1.7/", func(w http.ResponseWriter, r *http.Request) {
		b := File("version-check.json")
		if latest != "" {
			b = []byte(strings.ReplaceAll(string(b), "6.8.1", latest))
		}
		send(w, http.StatusOK, b)
	})
	mux.HandleFunc("GET /core/checksums/1.0/", func(w http.ResponseWriter, r *http.Request) {
		if b := File("checksums-" + r.URL.Query().Get("version") + ".json"); b != nil && r.URL.Query().Get("locale") == "en_US" {
			send(w, http.StatusOK, b)
			return
		}
		send(w, http.StatusOK, File("checksums-unknown.json"))
	})
	info := func(kind, action string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			b := File(kind + "-" + q.Get("request[slug]") + ".json")
			switch {
			case q.Get("action") != action:
				send(w, http.StatusBadRequest, []byte(`{"error":"Action not implemented. <a href=\"https://codex.wordpress.org/WordPress.org_API\">API Docs</a>"}`))
			case b == nil || strings.Contains(q.Get("request[slug]"), "not-found"):
				send(w, http.StatusNotFound, File(kind+"-not-found.json"))
			default:
				send(w, http.StatusOK, b)
			}
		}
	}
	mux.HandleFunc("GET /plugins/info/1.2/", info("plugin", "plugin_information"))
	mux.HandleFunc("GET /themes/info/1.2/", info("theme", "theme_information"))
	return mux
}

func send(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// Serve serves Handler("") on a loopback port (the demo's WordPress.org) until stop.
func Serve() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("serve the recorded WordPress.org answers: %w", err)
	}
	srv := &http.Server{Handler: Handler(""), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// Main is a test package's TestMain when its tests reach the wordpress step: it serves the recorded
// answers, points the process's WordPress.org clients at them (wporg.EnvURL), runs the tests and
// exits with their status, so no test asks the real api.wordpress.org (reachable or not, its
// answers would change under the tests). m is the *testing.M; this package is in the binary
// (the demo), which must not link testing.
func Main(m interface{ Run() int }) {
	url, stop, err := Serve()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(wporg.EnvURL, url)
	code := m.Run()
	stop()
	os.Exit(code)
}
