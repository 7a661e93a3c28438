package blueprint_test

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// TestDetectOnRealHosts reads each real test host the way a step does (one gathering over SSH) and
// finds its layout; the header line names it, and before SSH the hint is what Lightsail reports.
func TestDetectOnRealHosts(t *testing.T) {
	cases := []struct {
		blueprint string
		want      blueprint.Flavour
		header    string
	}{
		{world.Bitnami, blueprint.Bitnami, "WordPress packaged by Bitnami (detected on the host: /opt/bitnami exists, WordPress's configuration is /opt/bitnami/wordpress/wp-config.php)"},
		{world.Lightsail, blueprint.Lightsail, "WordPress packaged by Lightsail (detected on the host: /opt/aws/wordpress exists, WordPress's configuration is /var/www/html/wp-config.php)"},
	}
	for _, tc := range cases {
		t.Run(tc.blueprint, func(t *testing.T) {
			t.Parallel()
			w := world.New(t, world.Options{Blueprint: tc.blueprint, Host: true, OpenSSH: true})
			env := w.Env(t)
			d, err := blueprint.Read(t.Context(), env)
			if err != nil {
				t.Fatal(err)
			}
			if d.Flavour != tc.want || !d.WordPress || d.Problem != "" || !strings.HasPrefix(d.OS, "Debian GNU/Linux 12") {
				t.Errorf("detected %+v, want %s with WordPress on Debian 12", d, tc.want)
			}
			h, err := blueprint.ReadHint(t.Context(), env)
			if err != nil {
				t.Fatal(err)
			}
			if h.Flavour != tc.want {
				t.Errorf("hint %+v, want %s", h, tc.want)
			}
			if got, err := blueprint.Describe(t.Context(), env); err != nil || got != tc.header {
				t.Errorf("Describe = %q, %v; want %q", got, err, tc.header)
			}
			env.SSH = nil
			if got, _ := blueprint.Describe(t.Context(), env); !strings.Contains(got, "not yet checked on the host") {
				t.Errorf("Describe without SSH = %q, want the hint", got)
			}
		})
	}
}
