/* A small threaded HTTP server for the image tests, built with musl-gcc
 * -static (as an Alpine-based image's service would be): one thread per
 * connection (pthread_create), the answer sent with writev. GET / answers
 * "hello from musl", GET /quit answers "bye" and ends the process (exit 0).
 * Usage: server PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static void* serve(void* arg) {
  int fd = (int)(long)arg;
  char req[1024];
  ssize_t n = read(fd, req, sizeof req - 1);
  if (n <= 0) {
    close(fd);
    return NULL;
  }
  req[n] = '\0';
  int quit = strncmp(req, "GET /quit", 9) == 0;
  const char* body = quit ? "bye\n" : "hello from musl\n";
  char head[128];
  int hl = snprintf(head, sizeof head, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
                    strlen(body));
  struct iovec iov[2] = {{head, (size_t)hl}, {(void*)body, strlen(body)}};
  writev(fd, iov, 2);
  close(fd);
  if (quit) exit(0);
  return NULL;
}

int main(int argc, char** argv) {
  int port = argc > 1 ? atoi(argv[1]) : 8080;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0 || listen(s, 16) != 0) {
    perror("bind/listen");
    return 1;
  }
  printf("listening on %d\n", port);
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void*)(long)c) != 0) {
      close(c);
      continue;
    }
    pthread_detach(t);
  }
}
