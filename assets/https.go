package assets

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed https/load-balancer-price.json
var loadBalancerPriceJSON []byte

// Price is a monthly price with the date it was read.
type Price struct {
	USDPerMonth float64 `json:"usd_per_month"`
	AsOf        string  `json:"as_of"`
	Source      string  `json:"source"`
}

// Monthly is the price as the user reads it: "$18/month".
func (p Price) Monthly() string { return fmt.Sprintf("$%g/month", p.USDPerMonth) }

// LoadBalancerPrice is the Lightsail load balancer's monthly price: the only place hardsail states
// it (Lightsail has no pricing API for load balancers).
func LoadBalancerPrice() Price {
	var p Price
	if err := json.Unmarshal(loadBalancerPriceJSON, &p); err != nil || p.USDPerMonth <= 0 || p.AsOf == "" {
		// The file is compiled in; a bad one is a build mistake that the assets test catches.
		panic(fmt.Sprintf("assets/https/load-balancer-price.json: %v", err))
	}
	return p
}

// WPConfigHTTPSBlock is the marked block the https step puts into wp-config.php behind a load balancer.
//
//go:embed https/wp-config-block.php
var WPConfigHTTPSBlock string
