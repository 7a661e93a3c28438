package assets

import _ "embed"

// LoadBalancerPrice is the Lightsail load balancer's monthly price with the date it was read: the
// only place hardsail states it (Lightsail has no pricing API for load balancers).
//
//go:embed https/load-balancer-price.json
var LoadBalancerPrice []byte

// WPConfigHTTPSBlock is the marked block the https step puts into wp-config.php behind a load balancer.
//
//go:embed https/wp-config-block.php
var WPConfigHTTPSBlock string
