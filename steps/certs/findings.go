package certs

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// findings report each certificate close to its end, and the renewal on the instance.
func findings(f Facts, now time.Time) []steps.Finding {
	var out []steps.Finding
	for _, c := range f.LB {
		if fd, ok := expiry(c, now, FindingLBExpiry, "Lightsail renews a load balancer certificate itself while its validation CNAME records "+
			"stay in DNS: check them under the load balancer's Inbound traffic tab in the Lightsail console."); ok {
			out = append(out, fd)
		}
	}
	for _, c := range f.Host {
		if fd, ok := expiry(c, now, FindingHostExpiry, hostFix(f)); ok {
			out = append(out, fd)
		}
	}
	for _, u := range f.Unreadable {
		out = append(out, steps.Finding{ID: FindingHostExpiry, Severity: "warning", Message: "A certificate file on the instance cannot be read: " + u + "."})
	}
	r := f.Renewal
	switch {
	case len(f.Host) > 0 && len(r.Active) == 0:
		out = append(out, steps.Finding{ID: FindingNoRenewal, Severity: "warning",
			Message: "The instance has a Let's Encrypt certificate but no renewal is set up (no certbot timer or cron job, no bncert cron job): it will expire.",
			Fix:     "Set up renewal: on the Lightsail-packaged blueprint `sudo systemctl enable --now certbot.timer`; on Bitnami run Bitnami's bncert-tool again."})
	case len(r.Active) > 0:
		out = append(out, steps.Finding{ID: FindingRenewal, Severity: "info", Message: "Let's Encrypt renewal on the instance: " + strings.Join(r.Active, ", ") + "."})
	}
	if r.LastRun == "failed" {
		out = append(out, steps.Finding{ID: FindingRenewalFailed, Severity: "warning",
			Message: "certbot's last renewal run failed (" + blueprint.CertbotLog + ": " + r.LastRunLine + ").",
			Fix:     "Run `sudo certbot renew --dry-run` on the instance to see why; port 80 must reach the instance for the usual (HTTP-01) check."})
	}
	return out
}

// expiry is the finding for a certificate with fewer than 30 days left (a warning under 14).
func expiry(c Cert, now time.Time, id, fix string) (steps.Finding, bool) {
	days := int(math.Floor(c.NotAfter.Sub(now).Hours() / 24))
	if days >= infoDays {
		return steps.Finding{}, false
	}
	sev := "info"
	if days < warnDays {
		sev = "warning"
	}
	what := fmt.Sprintf("The certificate %s (%s) on %s", c.Name, strings.Join(c.Domains, ", "), c.Where)
	when := fmt.Sprintf("expires in %d days, on %s", days, c.NotAfter.Format("2 Jan 2006"))
	if days < 0 {
		when = "expired on " + c.NotAfter.Format("2 Jan 2006") + ": browsers refuse the site"
	}
	return steps.Finding{ID: id, Severity: sev, Message: what + " " + when + ".", Fix: fix}, true
}

// hostFix is what to do about an instance certificate close to its end.
func hostFix(f Facts) string {
	if len(f.Renewal.Active) == 0 {
		return "No renewal is set up on the instance; see the finding " + FindingNoRenewal + "."
	}
	return "Renewal is set up (" + strings.Join(f.Renewal.Active, ", ") + ") but has not renewed it yet: run `sudo certbot renew --dry-run` " +
		"(or, on Bitnami, run bncert again) to see why."
}

// Why says why the step matters (the wizard shows it before the step).
func (s *Step) Why() string {
	return "An expired certificate makes every browser refuse your site with a full-page warning. Certificates renew " +
		"themselves when renewal is set up and can still prove the domain (usually over port 80), so this check reports " +
		"how many days each certificate has left, what renews the one on the instance, and whether its last run failed."
}
