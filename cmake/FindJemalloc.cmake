# Finds jemalloc (Debian: libjemalloc-dev), the allocator the actorshop
# executable is linked with (CMakeLists.txt, ACTORSHOP_ALLOCATOR). Defines
# the imported target Jemalloc::Jemalloc and sets Jemalloc_VERSION.
find_path(Jemalloc_INCLUDE_DIR jemalloc/jemalloc.h)
find_library(Jemalloc_LIBRARY jemalloc)

if(Jemalloc_INCLUDE_DIR AND EXISTS "${Jemalloc_INCLUDE_DIR}/jemalloc/jemalloc.h")
  file(STRINGS "${Jemalloc_INCLUDE_DIR}/jemalloc/jemalloc.h" _jemalloc_version_line
       REGEX "^#define JEMALLOC_VERSION \"[^\"]*\"")
  string(REGEX REPLACE "^#define JEMALLOC_VERSION \"([0-9.]+).*\"$" "\\1"
         Jemalloc_VERSION "${_jemalloc_version_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Jemalloc
  REQUIRED_VARS Jemalloc_INCLUDE_DIR Jemalloc_LIBRARY
  VERSION_VAR Jemalloc_VERSION
  REASON_FAILURE_MESSAGE
    "install libjemalloc-dev (scripts/install-deps.sh does), or configure with -DACTORSHOP_ALLOCATOR=system")

if(Jemalloc_FOUND AND NOT TARGET Jemalloc::Jemalloc)
  add_library(Jemalloc::Jemalloc UNKNOWN IMPORTED)
  set_target_properties(Jemalloc::Jemalloc PROPERTIES
    IMPORTED_LOCATION "${Jemalloc_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Jemalloc_INCLUDE_DIR}")
endif()
