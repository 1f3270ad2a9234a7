#pragma once

// What the fault tests share: a client that retries like a real one
// (retrying_client.hpp), a seeded workload driven from several threads
// (load.hpp), the checks that end every test (checks.hpp: quiescence, the
// database audit, clients versus database versus API), and a PostgreSQL
// cluster a test may stop and start (private_cluster.hpp).

#include "fault/checks.hpp"
#include "fault/load.hpp"
#include "fault/private_cluster.hpp"
#include "fault/retrying_client.hpp"
