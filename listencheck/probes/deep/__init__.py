"""Deep probes (``check --deep``): raw packets (scapy) and DNS asked per resolver."""
