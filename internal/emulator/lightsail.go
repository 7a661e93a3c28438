package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// apiError is an error response in the shape the SDKs decode: for Lightsail
// the JSON `__type` plus the exception members code/docs/message/tip, for
// IAM/STS the awsQuery <Error><Code>.
type apiError struct {
	status    int
	typ       string // Lightsail __type
	queryCode string // IAM/STS <Code>
	code      string
	message   string
	tip       string
}

func (e *apiError) Error() string { return e.typ + ": " + e.message }

func notFound(kind, name string) *apiError {
	// "DoesNotExist" is what Lightsail puts in code; Terraform even matches on it.
	return &apiError{status: 400, typ: "NotFoundException", code: "DoesNotExist",
		message: fmt.Sprintf("The %s does not exist: %s", kind, name),
		tip:     "Please check the name and try again."}
}

func invalid(format string, args ...any) *apiError {
	return &apiError{status: 400, typ: "InvalidInputException", code: "InvalidInput",
		message: fmt.Sprintf(format, args...)}
}

// serviceFault is Lightsail failing on its own side (HTTP 500, ServiceException).
func serviceFault(format string, args ...any) *apiError {
	return &apiError{status: 500, typ: "ServiceException", message: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeJSONError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("X-Amzn-ErrorType", e.typ)
	body := map[string]string{"__type": e.typ, "message": e.message}
	if e.code != "" {
		body["code"] = e.code
		body["docs"] = "https://docs.aws.amazon.com/lightsail/"
	}
	if e.tip != "" {
		body["tip"] = e.tip
	}
	writeJSON(w, e.status, body)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// lightsail is the mutable Lightsail state; the Emulator's mutex guards it.
type lightsail struct {
	opts        Options
	instances   []*instanceState
	snapshots   []*snapshotState
	lbs         []*lbState
	certs       []*certState
	domains     []*Domain
	ops         []*opState
	setups      []*setupState
	externalDNS []DNSRecord
	staticIPs   []*StaticIP
	// takenIPs are public addresses held outside the account (GiveAddressAway).
	takenIPs []string
}

type instanceState struct {
	Instance
	hostKey []byte // seed of the generated ed25519 host key used while unbound
	// metadataAt is when a pending metadata options update is applied.
	metadataAt time.Time
}

type snapshotState struct {
	InstanceSnapshot
	readyAt time.Time
}

type lbState struct {
	LoadBalancer
	attached []string
	readyAt  time.Time
}

type certState struct {
	LoadBalancerTLSCertificate
	forced bool
}

type opState struct {
	Operation
	doneAt time.Time
}

type setupState struct {
	SetupHistory
	doneAt time.Time
}

func newLightsail(opts Options) *lightsail { return &lightsail{opts: opts} }

// reqCtx is what a handler knows about the request beyond its body.
type reqCtx struct {
	region string
	now    time.Time
	e      *Emulator
}

type lsHandler func(l *lightsail, c *reqCtx, body []byte) (any, *apiError)

var lightsailOps = map[string]lsHandler{
	"GetInstance":                      getInstance,
	"GetInstances":                     getInstances,
	"GetInstancePortStates":            getInstancePortStates,
	"PutInstancePublicPorts":           putInstancePublicPorts,
	"OpenInstancePublicPorts":          openInstancePublicPorts,
	"CloseInstancePublicPorts":         closeInstancePublicPorts,
	"CreateInstanceSnapshot":           createInstanceSnapshot,
	"GetInstanceSnapshot":              getInstanceSnapshot,
	"GetInstanceSnapshots":             getInstanceSnapshots,
	"DeleteInstanceSnapshot":           deleteInstanceSnapshot,
	"EnableAddOn":                      enableAddOn,
	"DisableAddOn":                     disableAddOn,
	"GetOperation":                     getOperation,
	"GetOperations":                    getOperations,
	"GetRegions":                       getRegions,
	"CreateLoadBalancer":               createLoadBalancer,
	"GetLoadBalancer":                  getLoadBalancer,
	"GetLoadBalancers":                 getLoadBalancers,
	"DeleteLoadBalancer":               deleteLoadBalancer,
	"AttachInstancesToLoadBalancer":    attachInstancesToLoadBalancer,
	"DetachInstancesFromLoadBalancer":  detachInstancesFromLoadBalancer,
	"CreateLoadBalancerTlsCertificate": createLoadBalancerTLSCertificate,
	"GetLoadBalancerTlsCertificates":   getLoadBalancerTLSCertificates,
	"DeleteLoadBalancerTlsCertificate": deleteLoadBalancerTLSCertificate,
	"AttachLoadBalancerTlsCertificate": attachLoadBalancerTLSCertificate,
	"UpdateLoadBalancerAttribute":      updateLoadBalancerAttribute,
	"GetLoadBalancerTlsPolicies":       getLoadBalancerTLSPolicies,
	"GetDomains":                       getDomains,
	"GetDomain":                        getDomain,
	"CreateDomainEntry":                createDomainEntry,
	"DeleteDomainEntry":                deleteDomainEntry,
	"SetupInstanceHttps":               setupInstanceHTTPS,
	"UpdateInstanceMetadataOptions":    updateInstanceMetadataOptions,
	"GetSetupHistory":                  getSetupHistory,
	"AllocateStaticIp":                 allocateStaticIP,
	"AttachStaticIp":                   attachStaticIP,
	"DetachStaticIp":                   detachStaticIP,
	"ReleaseStaticIp":                  releaseStaticIP,
	"GetStaticIp":                      getStaticIP,
	"GetStaticIps":                     getStaticIPs,
}

func (e *Emulator) serveLightsail(action, region string, body []byte) (any, *apiError) {
	if action == "GetInstanceAccessDetails" {
		// Handled outside the lock: it may do an SSH handshake with the bound host.
		return e.getInstanceAccessDetails(region, body)
	}
	h, ok := lightsailOps[action]
	if !ok {
		return nil, &apiError{status: 400, typ: "UnknownOperationException", message: "The emulator does not implement Lightsail " + action}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	e.ls.advance(now)
	out, aerr := h(e.ls, &reqCtx{region: region, now: now, e: e}, body)
	e.ls.advance(now)
	if aerr != nil {
		return nil, aerr
	}
	// Handlers return views that share maps with the live state; encode them before the lock goes.
	b, err := json.Marshal(out)
	if err != nil {
		return nil, &apiError{status: 500, typ: "InternalFailure", message: err.Error()}
	}
	return json.RawMessage(b), nil
}

// decode reads a request body strictly enough to catch wrong member types.
func decode(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{status: 400, typ: "SerializationException", message: err.Error()}
	}
	return nil
}

func (l *lightsail) arn(region, kind string) string {
	return fmt.Sprintf("arn:aws:lightsail:%s:%s:%s/%s", region, AccountID, kind, newUUID())
}

func (l *lightsail) location(region string) ResourceLocation {
	return ResourceLocation{AvailabilityZone: region + "a", RegionName: region}
}

func (l *lightsail) instance(region, name string) (*instanceState, *apiError) {
	if name == "" {
		return nil, invalid("The instanceName parameter is required.")
	}
	for _, in := range l.instances {
		if in.Name == name && in.Location.RegionName == region {
			return in, nil
		}
	}
	return nil, notFound("Instance", name)
}

// named finds an instance by name alone (BindSSH and the SSH proxies know no region): the one in
// region, else the only one of that name in any region.
func (l *lightsail) named(region, name string) (*instanceState, *apiError) {
	if in, err := l.instance(region, name); err == nil {
		return in, nil
	}
	var found *instanceState
	for _, in := range l.instances {
		if in.Name == name {
			if found != nil {
				return nil, invalid("Instance %s exists in several regions.", name)
			}
			found = in
		}
	}
	if found == nil {
		return nil, notFound("Instance", name)
	}
	return found, nil
}

// newOp records an operation that stays Started for OperationDelay.
func (l *lightsail) newOp(c *reqCtx, resourceName, resourceType, opType, details string) Operation {
	op := &opState{
		Operation: Operation{
			ID: newUUID(), ResourceName: resourceName, ResourceType: resourceType,
			CreatedAt: ts(c.now), Location: l.location(c.region), OperationType: opType,
			OperationDetails: details, Status: "Started", StatusChangedAt: ts(c.now),
		},
		doneAt: c.now.Add(l.opts.OperationDelay),
	}
	l.ops = append(l.ops, op)
	return op.Operation
}

// advance applies every time-driven transition due by now, so reads see
// state as if background workers had been running.
func (l *lightsail) advance(now time.Time) {
	for _, op := range l.ops {
		if op.Status == "Started" && !now.Before(op.doneAt) {
			op.Status, op.IsTerminal, op.StatusChangedAt = "Succeeded", true, ts(op.doneAt)
		}
	}
	for _, in := range l.instances {
		if m := in.MetadataOptions; m != nil && m.State == "pending" && !now.Before(in.metadataAt) {
			m.State = "applied"
		}
	}
	for _, s := range l.snapshots {
		if s.State == "pending" && !now.Before(s.readyAt) {
			s.State, s.Progress = "available", "100%"
		}
	}
	for _, s := range l.setups {
		if s.Status == "inProgress" && !now.Before(s.doneAt) {
			s.Status = "succeeded"
			for i := range s.ExecutionDetails {
				s.ExecutionDetails[i].Status = "succeeded"
			}
		}
	}
	for _, c := range l.certs {
		if c.Status == "PENDING_VALIDATION" && (c.forced || l.certValidated(c)) {
			l.issue(c, now)
		}
	}
	for _, lb := range l.lbs {
		if lb.State == "provisioning" && !now.Before(lb.readyAt) {
			lb.State = "active"
		}
		l.refreshLB(lb)
	}
}

// snapshot deep-copies the state for State().
func (l *lightsail) snapshot() State {
	var s State
	for _, in := range l.instances {
		s.Instances = append(s.Instances, in.Instance)
	}
	for _, sn := range l.snapshots {
		s.Snapshots = append(s.Snapshots, sn.InstanceSnapshot)
	}
	for _, lb := range l.lbs {
		s.LoadBalancers = append(s.LoadBalancers, lb.LoadBalancer)
	}
	for _, c := range l.certs {
		s.Certificates = append(s.Certificates, c.LoadBalancerTLSCertificate)
	}
	for _, d := range l.domains {
		s.Domains = append(s.Domains, *d)
	}
	for _, op := range l.ops {
		s.Operations = append(s.Operations, op.Operation)
	}
	for _, sh := range l.setups {
		s.SetupHistory = append(s.SetupHistory, sh.SetupHistory)
	}
	s.ExternalDNS = slices.Clone(l.externalDNS)
	for _, ip := range l.staticIPs {
		s.StaticIPs = append(s.StaticIPs, *ip)
	}
	return deepCopy(s)
}

// paginate returns one page of items; the token is the offset of the next page.
func paginate[T any](items []T, token string, size int) ([]T, string, *apiError) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", invalid("The pageToken %q is not valid.", token)
		}
		start = n
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

// listPage answers a paginated Get* request: it decodes the pageToken from
// body and returns one page of items under key, with nextPageToken when more
// remain.
func listPage[T any](l *lightsail, body []byte, key string, items []T) (any, *apiError) {
	var in struct {
		PageToken string `json:"pageToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	page, next, err := paginate(items, in.PageToken, l.opts.PageSize)
	if err != nil {
		return nil, err
	}
	out := map[string]any{key: page}
	if next != "" {
		out["nextPageToken"] = next
	}
	return out, nil
}

// ----- instances -----

// instanceRequest decodes a call that names one instance and finds it.
func (l *lightsail) instanceRequest(c *reqCtx, body []byte) (*instanceState, *apiError) {
	var in struct {
		InstanceName string `json:"instanceName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return l.instance(c.region, in.InstanceName)
}

func getInstance(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	inst, err := l.instanceRequest(c, body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"instance": inst.Instance}, nil
}

func getInstances(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	all := []Instance{}
	for _, inst := range l.instances {
		if inst.Location.RegionName == c.region {
			all = append(all, inst.Instance)
		}
	}
	return listPage(l, body, "instances", all)
}

func getInstancePortStates(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	inst, err := l.instanceRequest(c, body)
	if err != nil {
		return nil, err
	}
	states := []InstancePortState{}
	for _, p := range inst.Networking.Ports {
		states = append(states, InstancePortState{
			FromPort: p.FromPort, ToPort: p.ToPort, Protocol: p.Protocol, State: "open",
			Cidrs: p.Cidrs, Ipv6Cidrs: p.Ipv6Cidrs, CidrListAliases: p.CidrListAliases,
		})
	}
	return map[string]any{"portStates": states}, nil
}

type portsInput struct {
	InstanceName string     `json:"instanceName"`
	PortInfo     *PortInfo  `json:"portInfo"`
	PortInfos    []PortInfo `json:"portInfos"`
}

// portsRequest decodes a port call and finds the instance it names.
func (l *lightsail) portsRequest(c *reqCtx, body []byte) (portsInput, *instanceState, *apiError) {
	var in portsInput
	if err := decode(body, &in); err != nil {
		return in, nil, err
	}
	inst, err := l.instance(c.region, in.InstanceName)
	if err != nil {
		return in, nil, err
	}
	return in, inst, nil
}

// portRuleRequest decodes a call that takes one portInfo and returns the
// instance it names with the rule normalized.
func (l *lightsail) portRuleRequest(c *reqCtx, body []byte) (*instanceState, InstancePortInfo, *apiError) {
	in, inst, err := l.portsRequest(c, body)
	if err != nil {
		return nil, InstancePortInfo{}, err
	}
	if in.PortInfo == nil {
		return nil, InstancePortInfo{}, invalid("The portInfo parameter is required.")
	}
	r, err := normalizeRule(*in.PortInfo)
	if err != nil {
		return nil, InstancePortInfo{}, err
	}
	return inst, r, nil
}

func putInstancePublicPorts(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	in, inst, err := l.portsRequest(c, body)
	if err != nil {
		return nil, err
	}
	if in.PortInfos == nil {
		return nil, invalid("The portInfos parameter is required.")
	}
	rules := make([]InstancePortInfo, 0, len(in.PortInfos))
	for _, p := range in.PortInfos {
		r, err := normalizeRule(p)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	if err := checkSourceQuota(rules); err != nil {
		return nil, err
	}
	inst.Networking.Ports = rules
	return map[string]any{"operation": l.newOp(c, inst.Name, "Instance", "PutInstancePublicPorts", describeRules(rules))}, nil
}

func openInstancePublicPorts(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	inst, r, err := l.portRuleRequest(c, body)
	if err != nil {
		return nil, err
	}
	// A rule for the same range and protocol is updated in place, not duplicated.
	rules := slices.DeleteFunc(slices.Clone(inst.Networking.Ports), func(p InstancePortInfo) bool { return sameRange(p, r) })
	rules = append(rules, r)
	if err := checkSourceQuota(rules); err != nil {
		return nil, err
	}
	inst.Networking.Ports = rules
	return map[string]any{"operation": l.newOp(c, inst.Name, "Instance", "OpenInstancePublicPorts", describeRules([]InstancePortInfo{r}))}, nil
}

func closeInstancePublicPorts(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	inst, r, err := l.portRuleRequest(c, body)
	if err != nil {
		return nil, err
	}
	inst.Networking.Ports = slices.DeleteFunc(inst.Networking.Ports, func(p InstancePortInfo) bool { return sameRange(p, r) })
	return map[string]any{"operation": l.newOp(c, inst.Name, "Instance", "CloseInstancePublicPorts", describeRules([]InstancePortInfo{r}))}, nil
}

func describeRules(rules []InstancePortInfo) string {
	var b bytes.Buffer
	for i, r := range rules {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d-%d/%s", r.FromPort, r.ToPort, r.Protocol)
	}
	return b.String()
}

// ----- snapshots and add-ons -----

func createInstanceSnapshot(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		InstanceName         string `json:"instanceName"`
		InstanceSnapshotName string `json:"instanceSnapshotName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkResourceName("instanceSnapshotName", in.InstanceSnapshotName); err != nil {
		return nil, err
	}
	inst, err := l.instance(c.region, in.InstanceName)
	if err != nil {
		return nil, err
	}
	for _, s := range l.snapshots {
		if s.Name == in.InstanceSnapshotName && s.Location.RegionName == c.region {
			return nil, invalid("The instance snapshot %s already exists.", in.InstanceSnapshotName)
		}
	}
	l.snapshots = append(l.snapshots, &snapshotState{
		InstanceSnapshot: InstanceSnapshot{
			Name: in.InstanceSnapshotName, Arn: l.arn(c.region, "InstanceSnapshot"), CreatedAt: ts(c.now),
			Location: l.location(c.region), ResourceType: "InstanceSnapshot", State: "pending", Progress: "0%",
			FromInstanceName: inst.Name, FromInstanceArn: inst.Arn, FromBlueprintID: inst.BlueprintID,
			FromBundleID: inst.BundleID, SizeInGb: 40,
		},
		readyAt: c.now.Add(l.opts.OperationDelay),
	})
	return map[string]any{"operations": []Operation{
		l.newOp(c, in.InstanceSnapshotName, "InstanceSnapshot", "CreateInstanceSnapshot", inst.Name),
		l.newOp(c, inst.Name, "Instance", "CreateInstanceSnapshot", in.InstanceSnapshotName),
	}}, nil
}

func (l *lightsail) snapshotByName(region, name string) (int, *apiError) {
	if name == "" {
		return -1, invalid("The instanceSnapshotName parameter is required.")
	}
	for i, s := range l.snapshots {
		if s.Name == name && s.Location.RegionName == region {
			return i, nil
		}
	}
	return -1, notFound("InstanceSnapshot", name)
}

// snapshotRequest decodes a call that names one instance snapshot and returns
// its index in l.snapshots.
func (l *lightsail) snapshotRequest(c *reqCtx, body []byte) (int, *apiError) {
	var in struct {
		InstanceSnapshotName string `json:"instanceSnapshotName"`
	}
	if err := decode(body, &in); err != nil {
		return -1, err
	}
	return l.snapshotByName(c.region, in.InstanceSnapshotName)
}

func getInstanceSnapshot(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	i, err := l.snapshotRequest(c, body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"instanceSnapshot": l.snapshots[i].InstanceSnapshot}, nil
}

func getInstanceSnapshots(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	all := []InstanceSnapshot{}
	for _, s := range l.snapshots {
		if s.Location.RegionName == c.region {
			all = append(all, s.InstanceSnapshot)
		}
	}
	return listPage(l, body, "instanceSnapshots", all)
}

func deleteInstanceSnapshot(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	i, err := l.snapshotRequest(c, body)
	if err != nil {
		return nil, err
	}
	name := l.snapshots[i].Name // the name asked for: snapshotByName matches it exactly
	if l.snapshots[i].State == "pending" {
		return nil, invalid("The instance snapshot %s is still being created; try again when it is available.", name)
	}
	l.snapshots = slices.Delete(l.snapshots, i, i+1)
	return map[string]any{"operations": []Operation{
		l.newOp(c, name, "InstanceSnapshot", "DeleteInstanceSnapshot", ""),
	}}, nil
}

func enableAddOn(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		ResourceName string `json:"resourceName"`
		AddOnRequest *struct {
			AddOnType                string `json:"addOnType"`
			AutoSnapshotAddOnRequest *struct {
				SnapshotTimeOfDay string `json:"snapshotTimeOfDay"`
			} `json:"autoSnapshotAddOnRequest"`
		} `json:"addOnRequest"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.AddOnRequest == nil {
		return nil, invalid("The addOnRequest parameter is required.")
	}
	if in.AddOnRequest.AddOnType != "AutoSnapshot" {
		return nil, invalid("The add-on type %q is not supported for instances by this emulator; use AutoSnapshot.", in.AddOnRequest.AddOnType)
	}
	inst, err := l.instance(c.region, in.ResourceName)
	if err != nil {
		return nil, err
	}
	tod := "06:00"
	if r := in.AddOnRequest.AutoSnapshotAddOnRequest; r != nil && r.SnapshotTimeOfDay != "" {
		tod = r.SnapshotTimeOfDay
	}
	if !validTimeOfDay(tod) {
		return nil, invalid("The snapshotTimeOfDay %q must be in HH:00 or HH:30 format (UTC).", tod)
	}
	inst.AddOns = slices.DeleteFunc(inst.AddOns, func(a AddOn) bool { return a.Name == "AutoSnapshot" })
	inst.AddOns = append(inst.AddOns, AddOn{Name: "AutoSnapshot", Status: "Enabled", SnapshotTimeOfDay: tod, NextSnapshotTimeOfDay: tod})
	return map[string]any{"operations": []Operation{l.newOp(c, inst.Name, "Instance", "EnableAddOn", "AutoSnapshot")}}, nil
}

func disableAddOn(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		ResourceName string `json:"resourceName"`
		AddOnType    string `json:"addOnType"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.AddOnType != "AutoSnapshot" {
		return nil, invalid("The add-on type %q is not supported for instances by this emulator; use AutoSnapshot.", in.AddOnType)
	}
	inst, err := l.instance(c.region, in.ResourceName)
	if err != nil {
		return nil, err
	}
	inst.AddOns = slices.DeleteFunc(inst.AddOns, func(a AddOn) bool { return a.Name == in.AddOnType })
	return map[string]any{"operations": []Operation{l.newOp(c, inst.Name, "Instance", "DisableAddOn", in.AddOnType)}}, nil
}

// ----- operations and regions -----

func getOperation(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		OperationID string `json:"operationId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.OperationID == "" {
		return nil, invalid("The operationId parameter is required.")
	}
	for _, op := range l.ops {
		if op.ID == in.OperationID {
			return map[string]any{"operation": op.Operation}, nil
		}
	}
	return nil, notFound("Operation", in.OperationID)
}

func getOperations(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	all := []Operation{}
	for i := len(l.ops) - 1; i >= 0; i-- { // newest first, as AWS lists them
		if l.ops[i].Location.RegionName == c.region {
			all = append(all, l.ops[i].Operation)
		}
	}
	return listPage(l, body, "operations", all)
}

type availabilityZone struct {
	ZoneName string `json:"zoneName"`
	State    string `json:"state"`
}

type region struct {
	ContinentCode     string             `json:"continentCode"`
	Description       string             `json:"description"`
	DisplayName       string             `json:"displayName"`
	Name              string             `json:"name"`
	AvailabilityZones []availabilityZone `json:"availabilityZones,omitempty"`
}

var regions = []region{
	{"NA", "This region is recommended to serve users in the eastern United States", "Virginia", "us-east-1", nil},
	{"NA", "This region is recommended to serve users in the eastern United States", "Ohio", "us-east-2", nil},
	{"NA", "This region is recommended to serve users in the northwestern United States", "Oregon", "us-west-2", nil},
	{"EU", "This region is recommended to serve users in Ireland and the UK", "Ireland", "eu-west-1", nil},
	{"EU", "This region is recommended to serve users in central Europe", "Frankfurt", "eu-central-1", nil},
	{"AP", "This region is recommended to serve users in Japan", "Tokyo", "ap-northeast-1", nil},
}

func getRegions(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		IncludeAvailabilityZones bool `json:"includeAvailabilityZones"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	out := make([]region, 0, len(regions))
	for _, r := range regions {
		if in.IncludeAvailabilityZones {
			r.AvailabilityZones = []availabilityZone{{r.Name + "a", "available"}, {r.Name + "b", "available"}, {r.Name + "c", "available"}}
		}
		out = append(out, r)
	}
	return map[string]any{"regions": out}, nil
}
