package emulator

import (
	"net/netip"
	"slices"
)

// StaticIP is a Lightsail static IP (the API's StaticIp shape).
type StaticIP struct {
	Name         string           `json:"name"`
	Arn          string           `json:"arn"`
	SupportCode  string           `json:"supportCode,omitempty"`
	CreatedAt    *Timestamp       `json:"createdAt"`
	Location     ResourceLocation `json:"location"`
	ResourceType string           `json:"resourceType"`
	IPAddress    string           `json:"ipAddress"`
	AttachedTo   string           `json:"attachedTo,omitempty"`
	IsAttached   bool             `json:"isAttached"`
}

// maxStaticIPsPerRegion is Lightsail's default quota of static IPs per account and region.
const maxStaticIPsPerRegion = 5

// Address pools. Lightsail hands out an arbitrary address from AWS's pool; the emulator hands out
// the lowest free one of its own (UNVERIFIED that AWS ever gives an instance its old address back:
// GiveAddressAway makes the old address someone else's, as it usually is).
var (
	dynamicPool = netip.MustParseAddr("192.0.2.10")
	staticPool  = netip.MustParseAddr("203.0.113.10")
)

// GiveAddressAway makes a public IPv4 address someone else's (another account's instance got it),
// so no instance here is given it again.
func (e *Emulator) GiveAddressAway(addr string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ls.takenIPs = append(e.ls.takenIPs, addr)
}

// freeAddress is the lowest address from start on that no instance, static IP or outsider holds.
func (l *lightsail) freeAddress(start netip.Addr) string {
	used := slices.Clone(l.takenIPs)
	for _, in := range l.instances {
		used = append(used, in.PublicIPAddress)
	}
	for _, s := range l.staticIPs {
		used = append(used, s.IPAddress)
	}
	a := start
	for slices.Contains(used, a.String()) {
		a = a.Next()
	}
	return a.String()
}

func (l *lightsail) staticIP(region, name string) (*StaticIP, *apiError) {
	if name == "" {
		return nil, invalid("The staticIpName parameter is required.")
	}
	for _, s := range l.staticIPs {
		if s.Name == name && s.Location.RegionName == region {
			return s, nil
		}
	}
	return nil, notFound("StaticIp", name)
}

type staticIPInput struct {
	StaticIPName string `json:"staticIpName"`
	InstanceName string `json:"instanceName"`
}

// staticIPRequest decodes a call that names a static IP; with find, the static IP must exist.
func (l *lightsail) staticIPRequest(c *reqCtx, body []byte, find bool) (staticIPInput, *StaticIP, *apiError) {
	var in staticIPInput
	if err := decode(body, &in); err != nil {
		return in, nil, err
	}
	if !find {
		return in, nil, nil
	}
	s, err := l.staticIP(c.region, in.StaticIPName)
	return in, s, err
}

func allocateStaticIP(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	in, _, err := l.staticIPRequest(c, body, false)
	if err != nil {
		return nil, err
	}
	if err := checkResourceName("staticIpName", in.StaticIPName); err != nil {
		return nil, err
	}
	n := 0
	for _, s := range l.staticIPs {
		if s.Location.RegionName != c.region {
			continue
		}
		if s.Name == in.StaticIPName {
			return nil, invalid("The static IP %s already exists.", s.Name)
		}
		n++
	}
	if n >= maxStaticIPsPerRegion {
		return nil, invalid("You have reached the maximum of %d static IPs in %s.", maxStaticIPsPerRegion, c.region)
	}
	s := &StaticIP{Name: in.StaticIPName, Arn: l.arn(c.region, "StaticIp"), SupportCode: AccountID + "/" + randHex(8),
		CreatedAt: ts(c.now), Location: l.location(c.region), ResourceType: "StaticIp", IPAddress: l.freeAddress(staticPool)}
	l.staticIPs = append(l.staticIPs, s)
	return map[string]any{"operations": []Operation{l.newOp(c, s.Name, "StaticIp", "AllocateStaticIp", "")}}, nil
}

// attachStaticIP gives the instance the static address; its dynamic address goes back to the pool.
func attachStaticIP(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	in, s, err := l.staticIPRequest(c, body, true)
	if err != nil {
		return nil, err
	}
	inst, err := l.instance(c.region, in.InstanceName)
	if err != nil {
		return nil, err
	}
	if s.IsAttached {
		return nil, invalid("The static IP %s is already attached to %s.", s.Name, s.AttachedTo)
	}
	if inst.IsStaticIP {
		return nil, invalid("The instance %s already has a static IP attached.", inst.Name)
	}
	s.IsAttached, s.AttachedTo = true, inst.Name
	inst.IsStaticIP, inst.PublicIPAddress = true, s.IPAddress
	return map[string]any{"operations": []Operation{
		l.newOp(c, s.Name, "StaticIp", "AttachStaticIp", inst.Name),
		l.newOp(c, inst.Name, "Instance", "AttachStaticIp", s.Name),
	}}, nil
}

// detach takes the static address off its instance, which gets a new dynamic one.
func (l *lightsail) detach(c *reqCtx, s *StaticIP) []Operation {
	var ops []Operation
	for _, inst := range l.instances {
		if inst.Name == s.AttachedTo && inst.Location.RegionName == c.region {
			inst.IsStaticIP, inst.PublicIPAddress = false, ""
			inst.PublicIPAddress = l.freeAddress(dynamicPool)
			ops = append(ops, l.newOp(c, inst.Name, "Instance", "DetachStaticIp", s.Name))
		}
	}
	s.IsAttached, s.AttachedTo = false, ""
	return append(ops, l.newOp(c, s.Name, "StaticIp", "DetachStaticIp", ""))
}

func detachStaticIP(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	_, s, err := l.staticIPRequest(c, body, true)
	if err != nil {
		return nil, err
	}
	if !s.IsAttached {
		return nil, invalid("The static IP %s is not attached to any instance.", s.Name)
	}
	return map[string]any{"operations": l.detach(c, s)}, nil
}

// releaseStaticIP deletes the static IP; an attached one is detached first (UNVERIFIED: the
// console warns and then releases it the same way).
func releaseStaticIP(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	_, s, err := l.staticIPRequest(c, body, true)
	if err != nil {
		return nil, err
	}
	var ops []Operation
	if s.IsAttached {
		ops = l.detach(c, s)
	}
	l.staticIPs = slices.DeleteFunc(l.staticIPs, func(x *StaticIP) bool { return x == s })
	return map[string]any{"operations": append(ops, l.newOp(c, s.Name, "StaticIp", "ReleaseStaticIp", ""))}, nil
}

func getStaticIP(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	_, s, err := l.staticIPRequest(c, body, true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"staticIp": *s}, nil
}

func getStaticIPs(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	all := []StaticIP{}
	for _, s := range l.staticIPs {
		if s.Location.RegionName == c.region {
			all = append(all, *s)
		}
	}
	return listPage(l, body, "staticIps", all)
}
