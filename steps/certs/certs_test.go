package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/certs"
)

// certPEM is a certificate for example.com (self-signed: only its dates and names are read),
// made at test time to end `left` from now.
func certPEM(t *testing.T, left time.Duration) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "example.com"},
		DNSNames: []string{"example.com", "www.example.com"}, NotBefore: time.Now().Add(-60 * 24 * time.Hour), NotAfter: time.Now().Add(left)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

const day = 24 * time.Hour

// write puts body at p on the host (as root), creating its directory.
func write(p, body string) string {
	dir := p[:strings.LastIndex(p, "/")]
	return "mkdir -p " + dir + " && echo " + base64.StdEncoding.EncodeToString([]byte(body)) + " | base64 -d > " + p + "; "
}

// Host set-ups, as certbot (Debian's package, Lightsail's SetupInstanceHttps on its blueprint) and
// bncert's lego (Bitnami) leave them.
func certbotCert(pemBody string) string {
	return write("/etc/letsencrypt/archive/example.com/cert1.pem", pemBody) +
		"mkdir -p /etc/letsencrypt/live/example.com && chmod 700 /etc/letsencrypt/live /etc/letsencrypt/archive && " +
		"ln -s ../../archive/example.com/cert1.pem /etc/letsencrypt/live/example.com/cert.pem; " +
		write("/etc/letsencrypt/renewal/example.com.conf", "version = 2.1.0\n[renewalparams]\nauthenticator = webroot\nwebroot_path = /var/www/html,\n")
}

const certbotTimer = "mkdir -p /etc/systemd/system/timers.target.wants && ln -s /lib/systemd/system/certbot.timer /etc/systemd/system/timers.target.wants/certbot.timer; "

func legoCert(pemBody string) string {
	return write("/opt/bitnami/letsencrypt/certificates/example.com.crt", pemBody) +
		write("/opt/bitnami/letsencrypt/certificates/example.com.issuer.crt", pemBody)
}

const legoCron = "mkdir -p /var/spool/cron/crontabs && echo '0 0 * * * sudo /opt/bitnami/letsencrypt/lego --path /opt/bitnami/letsencrypt " +
	"--email=a@example.com --http --http-timeout 30 --http.webroot /opt/bitnami/apps/letsencrypt --domains=example.com renew " +
	"&& sudo /opt/bitnami/apache/bin/httpd -k graceful # bncert-autorenew' > /var/spool/cron/crontabs/root; "

func certbotLog(last string) string {
	return write("/var/log/letsencrypt/letsencrypt.log", "2026-01-01 00:00:01,000:DEBUG:certbot._internal.main:certbot version: 2.1.0\n"+last+"\n")
}

// TestOnTheHost reads real certificates made at test time on both blueprint flavours: days left
// (a warning under 14, a note under 30), which renewal is set up and whether it last failed.
func TestOnTheHost(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) string
		want  []string // "severity id: text in the message"
		skip  bool
	}{
		{name: "no certificate at all", setup: func(*testing.T) string { return "true" }, skip: true},
		{name: "certbot, 5 days left, timer", setup: func(t *testing.T) string { return certbotCert(certPEM(t, 5*day+time.Hour)) + certbotTimer },
			want: []string{"warning certificates.instance_expiry: expires in 5 days", "info certificates.renewal: certbot's systemd timer"}},
		{name: "certbot, 60 days left, timer", setup: func(t *testing.T) string { return certbotCert(certPEM(t, 60*day)) + certbotTimer },
			want: []string{"info certificates.renewal: certbot's systemd timer"}},
		{name: "certbot, 20 days left, cron", setup: func(t *testing.T) string {
			return certbotCert(certPEM(t, 20*day+time.Hour)) + write("/etc/cron.d/certbot", "0 */12 * * * root certbot -q renew\n")
		}, want: []string{"info certificates.instance_expiry: expires in 20 days", "info certificates.renewal: certbot's cron job"}},
		{name: "certbot, 60 days left, no renewal", setup: func(t *testing.T) string { return certbotCert(certPEM(t, 60*day)) },
			want: []string{"warning certificates.no_renewal: no renewal is set up"}},
		{name: "certbot, last renewal failed", setup: func(t *testing.T) string {
			return certbotCert(certPEM(t, 60*day)) + certbotTimer + certbotLog("2026-02-01 00:00:09,000:ERROR:certbot._internal.renewal:All renewals failed. The following certificates could not be renewed:")
		}, want: []string{"info certificates.renewal: certbot's systemd timer", "warning certificates.renewal_failed: All renewals failed"}},
		{name: "certbot, last renewal succeeded", setup: func(t *testing.T) string {
			return certbotCert(certPEM(t, 60*day)) + certbotTimer + certbotLog("2026-02-01 00:00:09,000:DEBUG:certbot._internal.display.obj:Congratulations, all renewals succeeded:")
		}, want: []string{"info certificates.renewal: certbot's systemd timer"}},
		{name: "lego (bncert), 5 days left, cron", setup: func(t *testing.T) string { return legoCert(certPEM(t, 5*day+time.Hour)) + legoCron },
			want: []string{"warning certificates.instance_expiry: expires in 5 days", "info certificates.renewal: bncert's cron job"}},
		{name: "lego (bncert), 60 days left, no cron", setup: func(t *testing.T) string { return legoCert(certPEM(t, 60*day)) },
			want: []string{"warning certificates.no_renewal: no renewal is set up"}},
	}
	for _, flavour := range []string{world.Bitnami, world.Lightsail} {
		for _, tc := range cases {
			t.Run(flavour+"/"+tc.name, func(t *testing.T) {
				w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true})
				w.Run(t, tc.setup(t))
				env := w.Env(t)
				m := w.Mutations(t)
				st, err := certs.New().Check(t.Context(), env)
				if err != nil {
					t.Fatal(err)
				}
				if w.Mutations(t) != m {
					t.Error("Check changed something on the host or in AWS")
				}
				if p, _ := certs.New().Plan(st, env.Settings); !p.Empty() {
					t.Errorf("the audit planned changes: %+v", p.Changes)
				}
				if (st.Skip != "") != tc.skip {
					t.Fatalf("skip %q, want skipped %v", st.Skip, tc.skip)
				}
				assertFindings(t, st.Findings, tc.want)
			})
		}
	}
}

// assertFindings holds the findings to exactly want, each "severity id: part of the message".
func assertFindings(t *testing.T, got []steps.Finding, want []string) {
	t.Helper()
	var lines []string
	for _, f := range got {
		lines = append(lines, f.Severity+" "+f.ID+": "+f.Message)
	}
	if len(lines) != len(want) {
		t.Fatalf("findings\n%s\nwant %d:\n%s", strings.Join(lines, "\n"), len(want), strings.Join(want, "\n"))
	}
	for _, w := range want {
		head, text, _ := strings.Cut(w, ": ")
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, head+": ") && strings.Contains(l, text) }) {
			t.Errorf("no finding %q in\n%s", w, strings.Join(lines, "\n"))
		}
	}
}

// TestLoadBalancerCertificate reads the emulated load balancer's issued certificate (the hardened
// scenario: WordPress-1 behind WordPress-LB) at clocks 5, 20 and 60 days before its end.
func TestLoadBalancerCertificate(t *testing.T) {
	w := world.New(t, world.Options{Scenario: "wordpress-hardened"})
	end := *w.Em.State().Certificates[0].NotAfter
	for _, tc := range []struct {
		left time.Duration
		want []string
	}{
		{5 * day, []string{"warning certificates.load_balancer_expiry: expires in 5 days"}},
		{20 * day, []string{"info certificates.load_balancer_expiry: expires in 20 days"}},
		{60 * day, nil},
		{-day, []string{"warning certificates.load_balancer_expiry: expired on"}},
	} {
		env := w.Env(t)
		env.Now = func() time.Time { return end.Add(-tc.left) }
		st, err := certs.New().Check(t.Context(), env)
		if err != nil {
			t.Fatal(err)
		}
		if st.Skip != "" {
			t.Fatalf("skipped: %s", st.Skip)
		}
		assertFindings(t, st.Findings, tc.want)
		for _, f := range st.Findings {
			if !strings.Contains(f.Message, "load balancer WordPress-LB") || !strings.Contains(f.Fix, "CNAME") {
				t.Errorf("finding %+v does not name the load balancer and the fix", f)
			}
		}
	}
	if st, err := certs.New().Check(t.Context(), world.New(t, world.Options{}).Env(t)); err != nil || st.Skip == "" {
		t.Errorf("an instance behind no load balancer, no host: %+v %v; want skipped", st, err)
	}
}
