package assets

import (
	_ "embed"
	"fmt"
)

// Price is a monthly price with the date it was read.
type Price struct {
	USDPerMonth float64
	AsOf        string // when the figure was read
	Source      string
}

// Monthly is the price as the user reads it: "$18/month".
func (p Price) Monthly() string { return fmt.Sprintf("$%g/month", p.USDPerMonth) }

// loadBalancerPrice is the only place hardsail states the Lightsail load balancer's price
// (Lightsail has no pricing API for load balancers). Update AsOf with the figure.
var loadBalancerPrice = Price{
	USDPerMonth: 18,
	AsOf:        "2026-02-12",
	Source: "Lightsail FAQ (awsdocs/amazon-lightsail-developer-guide, amazon-lightsail-frequently-asked-questions-faq), " +
		"repeated in a Feb-2026 blog post; Lightsail has no pricing API for load balancers",
}

// LoadBalancerPrice is the Lightsail load balancer's monthly price.
func LoadBalancerPrice() Price { return loadBalancerPrice }

// WPConfigHTTPSBlock is the marked block the https step puts into wp-config.php behind a load balancer.
//
//go:embed https/wp-config-block.php
var WPConfigHTTPSBlock string
