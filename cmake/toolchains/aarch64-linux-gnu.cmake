# Cross-compiles gopool for 64-bit ARM Linux with Debian's crossbuild-essential-arm64, and runs
# the test executables under qemu-user (ctest picks CMAKE_CROSSCOMPILING_EMULATOR up).
#   cmake -S . -B build/aarch64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# The target's libraries come from Debian multiarch packages (libspdlog-dev:arm64, ...);
# scripts/install-deps.sh aarch64 installs them.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
# CMake packages of the target are found under /usr/lib/aarch64-linux-gnu/cmake.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# -L points qemu at the cross toolchain's dynamic loader. That loader must get the libc of its
# own build, but the host's ld.so.cache (which it reads when the prefix has none) lists the
# arm64 multiarch libc that libspdlog1.10:arm64 pulls in, a different build of glibc with
# which the first pthread_create spins forever. LD_LIBRARY_PATH puts the cross libc (and the
# libstdc++ the program was linked against) first; spdlog and fmt still come from multiarch.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)

# pkg-config must see the target's .pc files only: the host's (libdw's, for one) name x86-64
# libraries the cross linker cannot use. Optional packages missing for arm64 are then skipped.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
