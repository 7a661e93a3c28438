package emulator

import (
	"fmt"
	"slices"
	"strings"
)

// ipv6MetadataRegion is the one region where httpProtocolIpv6 may be set (the API reference:
// "available only for instances in the Europe (Stockholm) Region").
const ipv6MetadataRegion = "eu-north-1"

// updateInstanceMetadataOptions sets the instance metadata service's options. A member left out
// keeps its value, except httpTokens, which the API reference says defaults to optional. The
// options are pending until the operation it returns has succeeded.
func updateInstanceMetadataOptions(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		InstanceName            string `json:"instanceName"`
		HTTPTokens              string `json:"httpTokens"`
		HTTPEndpoint            string `json:"httpEndpoint"`
		HTTPPutResponseHopLimit *int32 `json:"httpPutResponseHopLimit"`
		HTTPProtocolIpv6        string `json:"httpProtocolIpv6"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	inst, err := l.instance(c.region, in.InstanceName)
	if err != nil {
		return nil, err
	}
	if inst.MetadataOptions == nil {
		return nil, invalid("The instance %s does not support instance metadata options.", inst.Name)
	}
	if in.HTTPTokens == "" {
		in.HTTPTokens = "optional"
	}
	for _, v := range []struct{ member, value string }{
		{"httpTokens", in.HTTPTokens}, {"httpEndpoint", in.HTTPEndpoint}, {"httpProtocolIpv6", in.HTTPProtocolIpv6},
	} {
		if err := checkMetadataValue(v.member, v.value); err != nil {
			return nil, err
		}
	}
	// UNVERIFIED for Lightsail: EC2's documented range for the hop limit.
	if h := in.HTTPPutResponseHopLimit; h != nil && (*h < 1 || *h > 64) {
		return nil, invalid("The httpPutResponseHopLimit %d is not valid. It must be between 1 and 64.", *h)
	}
	if in.HTTPProtocolIpv6 != "" && c.region != ipv6MetadataRegion {
		return nil, invalid("The httpProtocolIpv6 parameter is only available in the %s Region.", ipv6MetadataRegion)
	}
	m := *inst.MetadataOptions
	m.HTTPTokens = in.HTTPTokens
	if in.HTTPEndpoint != "" {
		m.HTTPEndpoint = in.HTTPEndpoint
	}
	if in.HTTPPutResponseHopLimit != nil {
		m.HTTPPutResponseHopLimit = *in.HTTPPutResponseHopLimit
	}
	if in.HTTPProtocolIpv6 != "" {
		m.HTTPProtocolIpv6 = in.HTTPProtocolIpv6
	}
	m.State = "pending"
	inst.MetadataOptions, inst.metadataAt = &m, c.now.Add(l.opts.OperationDelay)
	details := fmt.Sprintf("httpTokens=%s, httpEndpoint=%s, httpPutResponseHopLimit=%d", m.HTTPTokens, m.HTTPEndpoint, m.HTTPPutResponseHopLimit)
	return map[string]any{"operation": l.newOp(c, inst.Name, "Instance", "UpdateInstanceMetadataOptions", details)}, nil
}

// checkMetadataValue refuses a value the member does not take ("" is a member left out).
func checkMetadataValue(member, value string) *apiError {
	allowed := []string{"enabled", "disabled"}
	if member == "httpTokens" {
		allowed = []string{"optional", "required"}
	}
	if value == "" || slices.Contains(allowed, value) {
		return nil
	}
	return invalid("The %s %q is not valid. Valid values are %s.", member, value, strings.Join(allowed, " and "))
}
