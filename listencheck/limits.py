"""Every limit that bounds a run's sockets, threads, memory and output, in one place.

They exist so that no cluster size and no hostile endpoint can make a run
unbounded; README.md ("Guarantees") documents them. The wire codec's own
bounds (MAX_FRAME_BYTES, MAX_ARRAY_LENGTH) live in listencheck.protocol.
"""

MAX_CONNECTIONS = 512  # probe sockets open at once, whatever the cluster size (lowered by ulimit -n)
SOCKETS_PER_ATTEMPT = 2  # an address's own connection, and one confirming or inspecting connection
MAX_RESOLUTIONS = 32  # names being resolved at once (each holds a thread and a few UDP sockets)
MAX_ADDRESSES_PER_HOST = 8  # a name with 1,000 A records is probed on its first 8
MAX_BROKERS = 1000  # advertised brokers probed per bootstrap; a longer list is reported, not probed
FD_RESERVE = 256  # file descriptors kept for resolver threads, DNS sockets, pipes and output
