package blueprint

import (
	"bytes"
	"path"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// Where Let's Encrypt lives on an instance. certbot (Debian's package, which Lightsail's
// SetupInstanceHttps uses on the Lightsail-packaged blueprint) keeps a renewal file per
// certificate and the live certificate beside it; Bitnami's bncert (and SetupInstanceHttps on a
// Bitnami instance) runs lego, which keeps <domain>.crt under /opt/bitnami/letsencrypt and is
// renewed by a line in root's crontab. These are read by the certificate audit and by the
// firewall, which keeps port 80 open while a renewal proves the domain over it (HTTP-01).
const (
	CertbotLive    = "/etc/letsencrypt/live"
	CertbotRenewal = "/etc/letsencrypt/renewal"
	CertbotLog     = "/var/log/letsencrypt/letsencrypt.log"
	certbotCron    = "/etc/cron.d/certbot"
	cronDir        = "/etc/cron.d"
	timerWants     = "/etc/systemd/system/timers.target.wants"
	rootCrontab    = "/var/spool/cron/crontabs/root"
	// LegoCertificates is where lego (Bitnami's bncert) keeps its certificates.
	LegoCertificates = "/opt/bitnami/letsencrypt/certificates"
)

// RenewalQuery reads what tells which Let's Encrypt renewal is set up, and where certificates are.
func RenewalQuery() sshhost.Query {
	return sshhost.Query{Files: []string{certbotCron, rootCrontab, CertbotLog}, Dirs: []string{timerWants, CertbotRenewal, LegoCertificates, cronDir}}
}

// CertificateQuery reads, after RenewalQuery's facts f, every certificate they name and certbot's
// renewal files (which say how each certificate proves the domain).
func CertificateQuery(f *sshhost.Facts) sshhost.Query {
	q := RenewalQuery()
	for _, e := range f.Listing {
		dir, name := path.Dir(e.Path), path.Base(e.Path)
		switch {
		case dir == CertbotRenewal && strings.HasSuffix(name, ".conf"):
			q.Files = append(q.Files, e.Path, path.Join(CertbotLive, strings.TrimSuffix(name, ".conf"), "cert.pem"))
		case dir == LegoCertificates && strings.HasSuffix(name, ".crt") && !strings.HasSuffix(name, ".issuer.crt"):
			q.Files = append(q.Files, e.Path)
		}
	}
	return q
}

// Renewal is how the instance renews its Let's Encrypt certificates.
type Renewal struct {
	// Active names each renewal that is set up ("certbot's systemd timer").
	Active []string `json:"active,omitempty"`
	// HTTP01 is whether a renewal proves the domain over port 80: every certbot renewal file that
	// was read says so, or none was read (then port 80 is assumed needed), or lego renews with --http.
	HTTP01 bool `json:"http01,omitempty"`
	// LastRun is certbot's last renewal run as its log tells: "succeeded", "failed" or "" (unknown).
	LastRun string `json:"last_run,omitempty"`
	// LastRunLine is the log line that says so.
	LastRunLine string `json:"last_run_line,omitempty"`
}

// RenewalOf reads the renewal from facts gathered with RenewalQuery (or CertificateQuery).
func RenewalOf(f *sshhost.Facts) Renewal {
	var r Renewal
	listed := func(dir, name string) bool {
		return slices.ContainsFunc(f.Listing, func(e sshhost.DirEntry) bool { return e.Path == path.Join(dir, name) })
	}
	certbot := false
	if listed(timerWants, "certbot.timer") || listed(timerWants, "snap.certbot.renew.timer") {
		r.Active, certbot = append(r.Active, "certbot's systemd timer"), true
	}
	if f.Files[certbotCron].Exists {
		r.Active, certbot = append(r.Active, "certbot's cron job ("+certbotCron+")"), true
	}
	for _, e := range f.Listing {
		name := path.Base(e.Path)
		if path.Dir(e.Path) == cronDir && e.Path != certbotCron && containsAny(strings.ToLower(name), "letsencrypt", "certbot", "lego", "lightsail") {
			r.Active = append(r.Active, "a cron job renewing certificates ("+e.Path+")")
			certbot = true
		}
	}
	if line := legoRenewal(f.Files[rootCrontab].Body); line != "" {
		r.Active = append(r.Active, "bncert's cron job (lego, in root's crontab)")
		r.HTTP01 = r.HTTP01 || !strings.Contains(line, "--dns")
	}
	if certbot {
		r.HTTP01 = r.HTTP01 || certbotHTTP01(f)
	}
	r.LastRun, r.LastRunLine = lastRun(f.Files[CertbotLog].Body)
	return r
}

func containsAny(s string, subs ...string) bool {
	return slices.ContainsFunc(subs, func(x string) bool { return strings.Contains(s, x) })
}

// legoRenewal is root's crontab line that renews with lego, or "".
func legoRenewal(crontab []byte) string {
	for _, l := range strings.Split(string(crontab), "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "#") && strings.Contains(l, "lego") && strings.Contains(l, "renew") {
			return l
		}
	}
	return ""
}

// certbotHTTP01 reports whether certbot's renewals prove the domain over port 80: true unless
// every renewal file read names a DNS authenticator (dns-route53…).
func certbotHTTP01(f *sshhost.Facts) bool {
	read := 0
	for p, file := range f.Files {
		if path.Dir(p) != CertbotRenewal || !file.Exists {
			continue
		}
		read++
		for _, l := range strings.Split(string(file.Body), "\n") {
			k, v, ok := strings.Cut(l, "=")
			if ok && strings.TrimSpace(k) == "authenticator" && !strings.HasPrefix(strings.TrimSpace(v), "dns") {
				return true
			}
		}
	}
	return read == 0
}

// Lines of certbot's log that end a renewal run.
var (
	renewOK     = []string{"Congratulations, all renewals succeeded", "No renewals were attempted", "The following certificates are not due for renewal yet"}
	renewFailed = []string{"All renewals failed", "renewal failure", "Failed to renew certificate"}
)

// lastRun reads certbot's log for the last renewal run's outcome: the last line that ends one.
func lastRun(log []byte) (string, string) {
	lines := bytes.Split(log, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		l := string(lines[i])
		switch {
		case containsAny(l, renewFailed...):
			return "failed", strings.TrimSpace(l)
		case containsAny(l, renewOK...):
			return "succeeded", strings.TrimSpace(l)
		}
	}
	return "", ""
}
