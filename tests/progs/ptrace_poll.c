// Polls for a file that something outside the workload creates: access(F_OK)
// every millisecond for up to 5 seconds. Exit 0 once it exists.
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  for (int i = 0; i < 5000; i++) {
    if (access(argv[1], F_OK) == 0) return 0;
    usleep(1000);
  }
  return 1;
}
