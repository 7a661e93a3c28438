package https

// Why says why the step matters, in plain sentences taken from the guide "Securing WordPress on
// Lightsail" (the wizard shows it before the step's questions).
func (s *Step) Why() string {
	return "Modern browsers expect websites to use HTTPS, especially a site that takes sign-ins or payments. A " +
		"TLS certificate keeps the traffic between a visitor's browser and your site private, and proves the " +
		"site is really yours."
}
