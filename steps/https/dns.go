package https

import (
	"slices"

	"github.com/hardsail/hardsail/steps/dnszone"
)

var (
	createEntry = dnszone.Create
	deleteEntry = dnszone.Delete
	listZones   = dnszone.List
	entryExists = dnszone.Exists
)

func (f *facts) addEntry(zone string, e entry) {
	for i := range f.Zones {
		if f.Zones[i].Name == zone {
			f.Zones[i].Entries = append(f.Zones[i].Entries, e)
		}
	}
}

func (f *facts) removeEntry(zone string, e entry) {
	for i := range f.Zones {
		if f.Zones[i].Name == zone {
			f.Zones[i].Entries = slices.DeleteFunc(f.Zones[i].Entries, func(x entry) bool { return x == e })
		}
	}
}
