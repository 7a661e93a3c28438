package emulator

import (
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// maxSourcesPerFamily is the API limit on source addresses per firewall,
// counted separately for IPv4 and IPv6.
const maxSourcesPerFamily = 60

// normalizeRule validates a PortInfo the way Lightsail does and returns it in
// the form GetInstance reports it.
func normalizeRule(p PortInfo) (InstancePortInfo, *apiError) {
	proto := p.Protocol
	switch proto {
	case "tcp", "udp", "all":
		if p.FromPort < 0 || p.FromPort > 65535 || p.ToPort < 0 || p.ToPort > 65535 {
			return InstancePortInfo{}, invalid("The port range %d-%d is not valid. Ports must be between 0 and 65535.", p.FromPort, p.ToPort)
		}
		if p.FromPort > p.ToPort {
			return InstancePortInfo{}, invalid("The fromPort %d must be less than or equal to the toPort %d.", p.FromPort, p.ToPort)
		}
	case "icmp", "icmpv6":
		// For ICMP the "ports" are type and code; -1 means any.
		if p.FromPort < -1 || p.FromPort > 255 || p.ToPort < -1 || p.ToPort > 255 {
			return InstancePortInfo{}, invalid("The ICMP type %d and code %d are not valid; use values from -1 to 255.", p.FromPort, p.ToPort)
		}
	case "":
		return InstancePortInfo{}, invalid("The protocol parameter is required.")
	default:
		return InstancePortInfo{}, invalid("The protocol %q is not valid. Valid values are tcp, all, udp, icmp and icmpv6.", proto)
	}
	r := InstancePortInfo{
		FromPort: p.FromPort, ToPort: p.ToPort, Protocol: proto,
		AccessType: "public", AccessDirection: "inbound",
		Cidrs: []string{}, Ipv6Cidrs: []string{},
	}
	for _, c := range p.Cidrs {
		norm, ok := normalizeCIDR(c, false)
		if !ok {
			return InstancePortInfo{}, invalid("The CIDR %q is not a valid IPv4 address or CIDR block.", c)
		}
		r.Cidrs = appendUnique(r.Cidrs, norm)
	}
	for _, c := range p.Ipv6Cidrs {
		norm, ok := normalizeCIDR(c, true)
		if !ok {
			return InstancePortInfo{}, invalid("The IPv6 CIDR %q is not a valid IPv6 address or CIDR block.", c)
		}
		r.Ipv6Cidrs = appendUnique(r.Ipv6Cidrs, norm)
	}
	for _, a := range p.CidrListAliases {
		if a != "lightsail-connect" {
			return InstancePortInfo{}, invalid("The CIDR list alias %q is not valid. The only supported alias is lightsail-connect.", a)
		}
		r.CidrListAliases = appendUnique(r.CidrListAliases, a)
	}
	if len(r.Cidrs) == 0 && len(r.Ipv6Cidrs) == 0 && len(r.CidrListAliases) == 0 {
		// A rule without sources is open to everyone, as in the console.
		r.Cidrs, r.Ipv6Cidrs = []string{"0.0.0.0/0"}, []string{"::/0"}
	}
	r.AccessFrom = accessFrom(r)
	return r, nil
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func accessFrom(r InstancePortInfo) string {
	if slices.Contains(r.Cidrs, "0.0.0.0/0") && slices.Contains(r.Ipv6Cidrs, "::/0") {
		return "Anywhere (0.0.0.0/0 and ::/0)"
	}
	if slices.Contains(r.Cidrs, "0.0.0.0/0") {
		return "Anywhere (0.0.0.0/0)"
	}
	if len(r.Cidrs) == 1 && len(r.Ipv6Cidrs) == 0 && len(r.CidrListAliases) == 0 {
		return r.Cidrs[0]
	}
	return "Custom"
}

// normalizeCIDR accepts a CIDR block or a bare address (meaning /32 or /128)
// of the wanted family and returns it in canonical "addr/bits" form.
func normalizeCIDR(s string, v6 bool) (string, bool) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Is6() != v6 || a.Zone() != "" {
			return "", false
		}
		return netip.PrefixFrom(a, a.BitLen()).String(), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is6() != v6 {
		return "", false
	}
	return p.String(), true
}

func sameRange(a InstancePortInfo, b InstancePortInfo) bool {
	return a.FromPort == b.FromPort && a.ToPort == b.ToPort && a.Protocol == b.Protocol
}

func checkSourceQuota(rules []InstancePortInfo) *apiError {
	var v4, v6 int
	for _, r := range rules {
		v4 += len(r.Cidrs)
		v6 += len(r.Ipv6Cidrs)
	}
	if v4 > maxSourcesPerFamily {
		return invalid("The firewall has %d IPv4 source addresses; the maximum is %d.", v4, maxSourcesPerFamily)
	}
	if v6 > maxSourcesPerFamily {
		return invalid("The firewall has %d IPv6 source addresses; the maximum is %d.", v6, maxSourcesPerFamily)
	}
	return nil
}

// portAllowed reports whether a TCP connection from src to port passes the
// instance's firewall rules.
func portAllowed(rules []InstancePortInfo, port int32, src netip.Addr) bool {
	src = src.Unmap()
	for _, r := range rules {
		if r.Protocol != "tcp" && r.Protocol != "all" {
			continue
		}
		if port < r.FromPort || port > r.ToPort {
			continue
		}
		list := r.Cidrs
		if src.Is6() {
			list = r.Ipv6Cidrs
		}
		for _, c := range list {
			if p, err := netip.ParsePrefix(c); err == nil && p.Contains(src) {
				return true
			}
		}
	}
	return false
}

var resourceNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\w[\w\-]*\w$`) })

func checkResourceName(param, name string) *apiError {
	if name == "" {
		return invalid("The %s parameter is required.", param)
	}
	if len(name) > 255 || !resourceNameRE().MatchString(name) {
		return invalid("The %s %q is not valid. Names must start and end with a letter or number and contain only letters, numbers, underscores and hyphens.", param, name)
	}
	return nil
}

var labelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`) })

// checkCertDomain enforces ACM's rules for a certificate name: a fully
// qualified, non-wildcard DNS name.
func checkCertDomain(name string) *apiError {
	if strings.Contains(name, "*") {
		return invalid("The domain name %q contains a wildcard; Lightsail load balancer certificates do not support wildcard domains.", name)
	}
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	labels := strings.Split(n, ".")
	if n == "" || len(n) > 253 || len(labels) < 2 {
		return invalid("The domain name %q is not a valid fully qualified domain name.", name)
	}
	for _, l := range labels {
		if !labelRE().MatchString(l) {
			return invalid("The domain name %q is not a valid fully qualified domain name.", name)
		}
	}
	return nil
}

var timeOfDayRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([01][0-9]|2[0-3]):(00|30)$`) })

func validTimeOfDay(s string) bool { return timeOfDayRE().MatchString(s) }

// deepCopy copies v through reflection so callers can never alias the
// emulator's slices, maps or pointers.
func deepCopy[T any](v T) T {
	out := reflect.New(reflect.TypeOf(&v).Elem()).Elem()
	copyValue(out, reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.New(src.Elem().Type()))
		copyValue(dst.Elem(), src.Elem())
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.MakeMapWithSize(src.Type(), src.Len()))
		for _, k := range src.MapKeys() {
			nv := reflect.New(src.Type().Elem()).Elem()
			copyValue(nv, src.MapIndex(k))
			dst.SetMapIndex(k, nv)
		}
	case reflect.Struct:
		if src.Type().PkgPath() != "" && src.Type().PkgPath() != reflect.TypeFor[State]().PkgPath() {
			// Foreign structs such as time.Time are values with unexported
			// fields; copying them whole is both allowed and correct.
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			copyValue(dst.Field(i), src.Field(i))
		}
	default:
		dst.Set(src)
	}
}
