"""Every limit that bounds a run's sockets, threads, memory and output, in one place.

They exist so that no cluster size and no hostile endpoint can make a run
unbounded; README.md ("Guarantees") documents them. The wire codec's own
bounds (MAX_FRAME_BYTES, MAX_ARRAY_LENGTH) live in listencheck.protocol.
"""

MAX_CONNECTIONS = 2048  # probe sockets open at once, whatever the cluster size (fitted to ulimit -n):
#                         an address of each of MAX_BROKERS at once, so silent ones cost one timeout
SOCKETS_PER_ATTEMPT = 2  # an address's own connection, and one confirming or inspecting connection
MAX_RESOLUTIONS = 32  # names being resolved at once (each holds a thread and a few UDP sockets)
MAX_ADDRESSES_PER_HOST = 8  # a name with 1,000 A records is probed on its first 8
MAX_BROKERS = 1000  # advertised brokers probed per bootstrap; a longer list is reported, not probed
FD_RESERVE = 256  # file descriptors kept for resolver threads, DNS sockets, pipes and output

# The client library gets twice the stage timeout: like the application it stands for, it
# retries with backoff (a refused IPv4 address, then the IPv6 one) before it reaches a broker.
CLIENT_TIMEOUT_FACTOR = 2.0


def client_timeout(stage_timeout: float, deadline: float | None) -> float:
    """Seconds the client-library worker gets, within the run's deadline when there is one."""
    wanted = stage_timeout * CLIENT_TIMEOUT_FACTOR
    return min(wanted, deadline) if deadline else wanted

# Topic metadata (one request per bootstrap): topics and partitions kept for the analysis.
# The rest of a larger answer is read past and counted, and the report says so.
MAX_TOPICS = 10_000
MAX_PARTITIONS = 250_000

# Extra connections to the bootstrap server that answered, to tell one broker behind it from a
# load balancer spreading connections over several (with the first one: four samples).
BALANCER_SAMPLES = 3
