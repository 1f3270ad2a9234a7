#include "storage/repositories.hpp"

namespace shop {

// Out of line so that each interface's vtable is emitted once, here.

reliable_repository::~reliable_repository() = default;

users_repository::~users_repository() = default;

billing_repository::~billing_repository() = default;

orders_repository::~orders_repository() = default;

notifications_repository::~notifications_repository() = default;

} // namespace shop
