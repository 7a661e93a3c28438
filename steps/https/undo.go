package https

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/dnszone"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// setupUndoByHand is, per layout, what reverses SetupInstanceHttps by hand.
func setupUndoByHand() string {
	var out []string
	for _, l := range blueprint.Layouts() {
		out = append(out, "on "+l.Name+":\n"+strings.ReplaceAll(l.HTTPSSetupUndo, "; ", "\n"))
	}
	return strings.Join(out, "\n")
}

// reverter is how undo handles one kind of change. check says why journal data is not something
// this step could have written ("" when it is); applied reads whether the change is in effect now
// (so an unknown or interrupted entry, or one reversed by hand, is compared with the live value
// first); revert puts things back. A kind without revert cannot be reversed: note says why.
type reverter struct {
	check   func(env *steps.Env, d undoData) string
	applied func(ctx context.Context, env *steps.Env, d undoData) (bool, error)
	revert  func(ctx context.Context, env *steps.Env, d undoData) error
	// withLB marks a load balancer setting that deleting the balancer (or its certificate) takes along.
	withLB bool
	note   func(d undoData) string
}

var reverters = map[opKind]reverter{
	opCreateLB:       {check: checkOwnLB, applied: lbExists, revert: deleteLB},
	opAttachInstance: {check: checkAttach, applied: instanceAttached, revert: detach},
	opCreateCert:     {check: checkCert, applied: certExists, revert: deleteCert},
	opValidation:     {check: checkEntry("CNAME", false), applied: entryApplied(true), revert: entryRevert(deleteEntry)},
	opDNSCreate:      {check: checkEntry("A", true), applied: entryApplied(true), revert: entryRevert(deleteEntry)},
	opDNSDelete:      {check: checkEntry("", false), applied: entryApplied(false), revert: entryRevert(createEntry)},
	opRedirect:       {check: checkAttribute(types.LoadBalancerAttributeNameHttpsRedirectionEnabled), applied: attributeApplied, revert: restoreAttribute, withLB: true},
	opPolicy:         {check: checkAttribute(types.LoadBalancerAttributeNameTlsPolicyName), applied: attributeApplied, revert: restoreAttribute, withLB: true},
	opAttachCert: {check: checkCert, note: func(d undoData) string {
		return fmt.Sprintf("certificate %s stays attached to %s: Lightsail has no API to detach a certificate", d.Cert, d.LB)
	}},
	opSetup: {check: checkInstance, note: func(d undoData) string {
		// One command a line, so each can be copied whole.
		return "Lightsail has no API to reverse SetupInstanceHttps on " + d.Instance + "; to go back to plain HTTP run on the instance:\n" + setupUndoByHand()
	}},
}

// undoItem is one entry to reverse: a Lightsail change (data) or the wp-config.php edit (host).
type undoItem struct {
	e    steps.Entry
	d    undoData
	host bool
}

// Undo reverses hardsail's changes, newest first: DNS it pointed, TLS settings, the wp-config
// block, validation records, the certificate (forced: there is no detach), the instance's
// attachment, then the load balancer. Every entry is validated before anything runs.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	items, err := decodeUndo(env, entries)
	if err != nil {
		return steps.Report{}, err
	}
	u := &undoRun{env: env, rec: rec, dropLB: map[string]bool{}, dropCert: map[string]bool{}}
	var list []string
	for _, it := range items {
		switch it.d.Kind {
		case opCreateLB:
			u.dropLB[it.d.LB] = true
		case opCreateCert:
			u.dropCert[it.d.LB] = true
		}
		list = append(list, string(it.e.Change.Action)+" "+it.e.Change.Address)
	}
	env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Message: "undo reverses, newest first:\n  " + strings.Join(list, "\n  ")})
	for _, it := range items {
		if err := u.one(ctx, it); err != nil {
			return u.report(), err
		}
	}
	return u.report(), nil
}

// decodeUndo reads and validates every entry; one that is not this step's is a TamperedError.
func decodeUndo(env *steps.Env, entries []steps.Entry) ([]undoItem, error) {
	items := make([]undoItem, len(entries))
	for i, e := range entries {
		items[i].e = e
		if hostfile.PathOf(e.Change) != "" {
			if why := checkHostEntry(e); why != "" {
				return nil, &steps.TamperedError{Entry: e.ID, Why: why}
			}
			items[i].host = true
			continue
		}
		if err := e.Decode(&items[i].d); err != nil {
			return nil, &steps.TamperedError{Entry: e.ID, Why: err.Error()}
		}
		rv, ok := reverters[items[i].d.Kind]
		if !ok {
			return nil, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("%q is not a change the https step makes", items[i].d.Kind)}
		}
		if why := rv.check(env, items[i].d); why != "" {
			return nil, &steps.TamperedError{Entry: e.ID, Why: why}
		}
	}
	return items, nil
}

// ownsFile is the allow-list of host files the step edits: each layout's wp-config.php.
func ownsFile(p string) bool { return slices.Contains(blueprint.WPConfigPaths(), p) }

func checkHostEntry(e steps.Entry) string {
	var r hostfile.Record
	if err := e.Decode(&r); err != nil {
		return err.Error()
	}
	switch p := hostfile.PathOf(e.Change); {
	case !ownsFile(p) || r.Path != p:
		return fmt.Sprintf("%s is not a file the https step edits", p)
	case r.Backup != "" && (path.Dir(r.Backup) != hostfile.BackupDir || path.Clean(r.Backup) != r.Backup):
		return fmt.Sprintf("its backup %s is outside %s", r.Backup, hostfile.BackupDir)
	}
	return ""
}

type undoRun struct {
	env      *steps.Env
	rec      *steps.Recorder
	dropLB   map[string]bool // balancers this undo deletes
	dropCert map[string]bool // balancers whose certificate this undo deletes
	notes    []string
	manual   []string
	done     int
}

func (u *undoRun) report() steps.Report {
	if len(u.notes) == 0 && u.done > 0 {
		u.notes = append(u.notes, fmt.Sprintf("reversed %d change(s)", u.done))
	}
	r := steps.Report{Detail: strings.Join(u.notes, "\n")}
	if u.done == 0 && len(u.manual) > 0 {
		r.Manual = strings.Join(u.manual, "\n")
	} else {
		r.Detail = strings.Join(append(u.notes, u.manual...), "\n")
	}
	return r
}

func (u *undoRun) one(ctx context.Context, it undoItem) error {
	e, d := it.e, it.d
	if it.host {
		return u.wpConfig(ctx, e)
	}
	rev := steps.Change{Action: reverse(e.Change.Action), Address: e.Change.Address, Before: e.Change.After, After: e.Change.Before,
		Why: "undo: " + e.Change.Why}
	closeAs := func(why string) error {
		rev.Why = why
		return u.rec.Reverse(ctx, e, rev, d, nil)
	}
	rv := reverters[d.Kind]
	switch {
	case rv.note != nil:
		if d.Kind == opSetup {
			u.manual = append(u.manual, rv.note(d))
		} else if !u.dropLB[d.LB] && !u.dropCert[d.LB] {
			u.notes = append(u.notes, rv.note(d))
		}
		return closeAs("undo: nothing to run (" + e.Change.Why + ")")
	case rv.withLB && (u.dropLB[d.LB] || u.dropCert[d.LB]):
		return closeAs("undo: goes with the load balancer's certificate or the load balancer itself")
	}
	on, err := rv.applied(ctx, u.env, d)
	if err != nil {
		return err
	}
	u.done++
	if !on {
		return closeAs("undo: already as it was before hardsail")
	}
	return u.rec.Reverse(ctx, e, rev, d, func(ctx context.Context) error { return rv.revert(ctx, u.env, d) })
}

// wpConfig restores wp-config.php from the root-only copy, three-way checked by hostfile.
func (u *undoRun) wpConfig(ctx context.Context, e steps.Entry) error {
	if u.env.SSH == nil {
		return steps.NoSSH("restoring " + hostfile.PathOf(e.Change))
	}
	cl, err := u.env.SSH(ctx)
	if err != nil {
		return err
	}
	u.done++
	_, err = hostfile.Undo(ctx, u.rec, cl, []steps.Entry{e}, ownsFile)
	return err
}

func reverse(a steps.Action) steps.Action {
	switch a {
	case steps.Create:
		return steps.Delete
	case steps.Delete:
		return steps.Create
	}
	return a
}

// ----- validation of journal data -----

var (
	// lightsailNameRE is a Lightsail resource name.
	lightsailNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`) })
	// certNameRE is a name certificateName gives.
	certNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^hardsail-[a-z0-9_-]+-[0-9a-f]{6}$`) })
	policyRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`) })
)

func badLB(lb string) string {
	if !lightsailNameRE().MatchString(lb) {
		return fmt.Sprintf("%q is not a Lightsail load balancer name", lb)
	}
	return ""
}

func checkOwnLB(env *steps.Env, d undoData) string {
	if want := LoadBalancerName(env.Instance); d.LB != want {
		return fmt.Sprintf("load balancer %q is not the one hardsail creates for %s (%s)", d.LB, env.Instance, want)
	}
	return ""
}

func checkInstance(env *steps.Env, d undoData) string {
	if d.Instance != env.Instance {
		return fmt.Sprintf("it names instance %q, not %s", d.Instance, env.Instance)
	}
	return ""
}

func checkAttach(env *steps.Env, d undoData) string {
	return cmpOr(badLB(d.LB), checkInstance(env, d))
}

func checkCert(env *steps.Env, d undoData) string {
	if !certNameRE().MatchString(d.Cert) {
		return fmt.Sprintf("certificate %q is not a name hardsail gives", d.Cert)
	}
	return badLB(d.LB)
}

func checkAttribute(name types.LoadBalancerAttributeName) func(*steps.Env, undoData) string {
	return func(env *steps.Env, d undoData) string {
		ok := policyRE().MatchString(d.Before)
		if name == types.LoadBalancerAttributeNameHttpsRedirectionEnabled {
			ok = d.Before == "true" || d.Before == "false"
		}
		if !ok {
			return fmt.Sprintf("%q is not a value of %s", d.Before, name)
		}
		return badLB(d.LB)
	}
}

// checkEntry accepts a record in a DNS zone of the given type ("": A or CNAME, the records an
// alias replaces) whose name lies in the zone.
func checkEntry(typ string, alias bool) func(*steps.Env, undoData) string {
	return func(env *steps.Env, d undoData) string {
		e := d.Entry
		if _, err := checkName("zone", d.Zone); err != nil || e == nil {
			return fmt.Sprintf("%q is not a DNS zone with a record", d.Zone)
		}
		okType := e.Type == typ || typ == "" && (e.Type == "A" || e.Type == "CNAME")
		inZone := e.Name == d.Zone || strings.HasSuffix(e.Name, "."+d.Zone)
		if !okType || !inZone || (alias && !e.Alias) || e.Target == "" || strings.ContainsAny(e.Name+e.Target, " /\\\n") {
			return fmt.Sprintf("record %s %s → %s is not one the https step changes in zone %s", e.Type, e.Name, e.Target, d.Zone)
		}
		return ""
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ----- live reads and reversals -----

func readLB(ctx context.Context, env *steps.Env, lb string) (*types.LoadBalancer, error) {
	out, err := env.AWS.Lightsail.GetLoadBalancer(ctx, &lightsail.GetLoadBalancerInput{LoadBalancerName: &lb})
	if err != nil {
		if err = awsapi.Classify("read load balancer "+lb, err); awsapi.IsKind(err, awsapi.KindNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return out.LoadBalancer, nil
}

func lbExists(ctx context.Context, env *steps.Env, d undoData) (bool, error) {
	lb, err := readLB(ctx, env, d.LB)
	return lb != nil, err
}

func instanceAttached(ctx context.Context, env *steps.Env, d undoData) (bool, error) {
	lb, err := readLB(ctx, env, d.LB)
	if lb == nil || err != nil {
		return false, err
	}
	return slices.ContainsFunc(lb.InstanceHealthSummary, func(h types.InstanceHealthSummary) bool {
		return aws.ToString(h.InstanceName) == d.Instance
	}), nil
}

func certExists(ctx context.Context, env *steps.Env, d undoData) (bool, error) {
	out, err := env.AWS.Lightsail.GetLoadBalancerTlsCertificates(ctx, &lightsail.GetLoadBalancerTlsCertificatesInput{LoadBalancerName: &d.LB})
	if err != nil {
		if err = awsapi.Classify("list certificates of load balancer "+d.LB, err); awsapi.IsKind(err, awsapi.KindNotFound) {
			return false, nil
		}
		return false, err
	}
	return slices.ContainsFunc(out.TlsCertificates, func(c types.LoadBalancerTlsCertificate) bool { return aws.ToString(c.Name) == d.Cert }), nil
}

// attributeApplied reports whether the setting differs from what it was before hardsail.
func attributeApplied(ctx context.Context, env *steps.Env, d undoData) (bool, error) {
	lb, err := readLB(ctx, env, d.LB)
	if lb == nil || err != nil {
		return false, err
	}
	if d.Kind == opRedirect {
		return fmt.Sprint(aws.ToBool(lb.HttpsRedirectionEnabled)) != d.Before, nil
	}
	return aws.ToString(lb.TlsPolicyName) != d.Before, nil
}

// entryApplied: a created record is in effect while it exists, a deleted one while it is absent.
func entryApplied(created bool) func(context.Context, *steps.Env, undoData) (bool, error) {
	return func(ctx context.Context, env *steps.Env, d undoData) (bool, error) {
		there, err := entryExists(ctx, env, d.Zone, *d.Entry)
		return there == created, err
	}
}

func entryRevert(fn func(context.Context, *steps.Env, string, entry) error) func(context.Context, *steps.Env, undoData) error {
	return func(ctx context.Context, env *steps.Env, d undoData) error { return fn(ctx, env, d.Zone, *d.Entry) }
}

func ignoreNotFound(err error) error {
	if awsapi.IsKind(err, awsapi.KindNotFound) {
		return nil
	}
	return err
}

func restoreAttribute(ctx context.Context, env *steps.Env, d undoData) error {
	name := types.LoadBalancerAttributeNameTlsPolicyName
	if d.Kind == opRedirect {
		name = types.LoadBalancerAttributeNameHttpsRedirectionEnabled
	}
	return ignoreNotFound(updateAttribute(ctx, env, d.LB, name, d.Before))
}

func deleteCert(ctx context.Context, env *steps.Env, d undoData) error {
	return ignoreNotFound(callAndWait(ctx, env.AWS, "delete certificate "+d.Cert+" of load balancer "+d.LB, func() ([]types.Operation, error) {
		out, err := env.AWS.Lightsail.DeleteLoadBalancerTlsCertificate(ctx, &lightsail.DeleteLoadBalancerTlsCertificateInput{
			LoadBalancerName: &d.LB, CertificateName: &d.Cert, Force: new(true),
		})
		return dnszone.OpsOf(out, err, func(o *lightsail.DeleteLoadBalancerTlsCertificateOutput) []types.Operation { return o.Operations })
	}))
}

func detach(ctx context.Context, env *steps.Env, d undoData) error {
	err := callAndWait(ctx, env.AWS, "detach "+d.Instance+" from load balancer "+d.LB, func() ([]types.Operation, error) {
		out, err := env.AWS.Lightsail.DetachInstancesFromLoadBalancer(ctx, &lightsail.DetachInstancesFromLoadBalancerInput{
			LoadBalancerName: &d.LB, InstanceNames: []string{d.Instance},
		})
		return dnszone.OpsOf(out, err, func(o *lightsail.DetachInstancesFromLoadBalancerOutput) []types.Operation { return o.Operations })
	})
	if err != nil && strings.Contains(err.Error(), "is not attached") {
		return nil
	}
	return ignoreNotFound(err)
}

func deleteLB(ctx context.Context, env *steps.Env, d undoData) error {
	return ignoreNotFound(callAndWait(ctx, env.AWS, "delete load balancer "+d.LB, func() ([]types.Operation, error) {
		out, err := env.AWS.Lightsail.DeleteLoadBalancer(ctx, &lightsail.DeleteLoadBalancerInput{LoadBalancerName: &d.LB})
		return dnszone.OpsOf(out, err, func(o *lightsail.DeleteLoadBalancerOutput) []types.Operation { return o.Operations })
	}))
}
