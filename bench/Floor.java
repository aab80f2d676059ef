import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The floor under a login's and an exchange's CPU on this machine: the same I/O and the same
 * cryptography as the services do, with nothing else (no OAuth, no JSON, no framework above Vert.x).
 * bench/floor-bench.sh runs it; the figures are what no code of ours can go below.
 *
 * <pre>
 *   java -cp &lt;the orchestrator's lib/main/*&gt; bench/Floor.java crypto
 *       CPU per operation of the primitives a login uses, through the first JCA provider (AWS-LC
 *       when its jar is on the class path): RS256 and ES256 signing and verification, AES-256-GCM
 *   java … bench/Floor.java echo PORT BYTES
 *       an HTTP server answering every request 200 with a JSON body of BYTES bytes (the peer the
 *       front calls: the upstream IdP, the token service, an authority)
 *   java … bench/Floor.java front PORT ECHO_PORT REDIS_PORT SHAPE
 *       an HTTP server on PORT that answers each request after doing SHAPE: stages separated by
 *       commas, each "N" (N parallel POSTs of 600 bytes to the echo server, then the next stage) or
 *       "rN" (N Redis SETs with PX of 1,000 random bytes, one after another); then 302 with a
 *       Location and a Set-Cookie header, as /callback answers
 * </pre>
 *
 * The front runs one verticle per event loop (twice the cores, as Quarkus does), each with its own
 * HTTP client (keep-alive, pooled) and Redis connection.
 */
public class Floor {

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "crypto" -> crypto();
            case "echo" -> echo(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "front" -> front(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4]);
            default -> throw new IllegalArgumentException("crypto | echo | front");
        }
    }

    // ------------------------------------------------------------------ cryptography

    private static volatile Object sink;

    private interface Op {
        void run() throws Exception;
    }

    private static void crypto() throws Exception {
        try {
            Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider").getMethod("install").invoke(null);
        } catch (ClassNotFoundException e) {
            // the JDK's own providers then
        }
        System.out.println("provider " + Security.getProviders()[0].getName() + " " + Security.getProviders()[0].getVersionStr());
        byte[] input = new byte[700]; // a JWS signing input's size
        new SecureRandom().nextBytes(input);
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        KeyPair rsa = rsaGenerator.generateKeyPair();
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGenerator.generateKeyPair();
        byte[] rsaSignature = sign("SHA256withRSA", rsa, input);
        byte[] ecSignature = sign("SHA256withECDSA", ec, input);
        SecretKeySpec aes = new SecretKeySpec(new byte[32], "AES");
        byte[] record = new byte[1024];
        byte[] iv = new byte[12];
        // the last of three rounds is printed: the JIT has settled by then
        for (int round = 1; round <= 3; round++) {
            boolean print = round == 3;
            time(print, "RS256 sign (2048)", 4000, () -> sink = sign("SHA256withRSA", rsa, input));
            time(print, "RS256 verify", 20000, () -> sink = verify("SHA256withRSA", rsa, input, rsaSignature));
            time(print, "ES256 sign", 20000, () -> sink = sign("SHA256withECDSA", ec, input));
            time(print, "ES256 verify", 20000, () -> sink = verify("SHA256withECDSA", ec, input, ecSignature));
            time(print, "AES-256-GCM seal 1 KB", 50000, () -> {
                iv[0]++;
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, iv));
                cipher.updateAAD(input, 0, 40);
                sink = cipher.doFinal(record);
            });
        }
    }

    private static byte[] sign(String algorithm, KeyPair pair, byte[] input) throws Exception {
        Signature signature = Signature.getInstance(algorithm);
        signature.initSign(pair.getPrivate());
        signature.update(input);
        return signature.sign();
    }

    private static boolean verify(String algorithm, KeyPair pair, byte[] input, byte[] signed) throws Exception {
        Signature signature = Signature.getInstance(algorithm);
        signature.initVerify(pair.getPublic());
        signature.update(input);
        return signature.verify(signed);
    }

    private static void time(boolean print, String what, int n, Op op) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            op.run();
        }
        long cpu = threads.getCurrentThreadCpuTime() - start;
        if (print) {
            System.out.printf("CRYPTO %-24s %.4f ms CPU per operation%n", what, cpu / 1e6 / n);
        }
    }

    // ------------------------------------------------------------------ I/O

    private static void echo(int port, int bytes) {
        StringBuilder json = new StringBuilder("{\"v\":\"");
        while (json.length() < bytes - 2) {
            json.append('x');
        }
        Buffer body = Buffer.buffer(json.append("\"}").toString());
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(io.vertx.core.Promise<Void> started) {
                vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                        .requestHandler(request -> request.body().onComplete(ignored -> request.response()
                                .putHeader("Content-Type", "application/json").end(body)))
                        .listen().<Void>mapEmpty().onComplete(started);
            }
        }, new DeploymentOptions().setInstances(2 * Runtime.getRuntime().availableProcessors()))
                .onSuccess(id -> System.out.println("echo listening on " + port))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    private static void front(int port, int echoPort, int redisPort, String shape) {
        int loops = 2 * Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        AtomicLong served = new AtomicLong();
        vertx.deployVerticle(() -> new Front(port, echoPort, redisPort, shape.split(","), served),
                        new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("front listening on " + port + ", shape " + shape + ", " + loops + " event loops"))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    private static final class Front extends AbstractVerticle {
        private final int port;
        private final int echoPort;
        private final int redisPort;
        private final String[] stages;
        private final AtomicLong served;
        private final SecureRandom random = new SecureRandom();
        private final String form;
        private HttpClient client;
        private Redis redis;

        Front(int port, int echoPort, int redisPort, String[] stages, AtomicLong served) {
            this.port = port;
            this.echoPort = echoPort;
            this.redisPort = redisPort;
            this.stages = stages;
            this.served = served;
            this.form = "grant_type=x&subject_token=" + "y".repeat(560);
        }

        @Override
        public void start(io.vertx.core.Promise<Void> started) {
            client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(16));
            redis = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + redisPort)
                    .setMaxPoolSize(8).setMaxPoolWaiting(1024));
            vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                    .requestHandler(request -> stage(0).onComplete(done -> {
                        if (done.failed()) {
                            request.response().setStatusCode(500).end(String.valueOf(done.cause()));
                            return;
                        }
                        served.incrementAndGet();
                        request.response().setStatusCode(302)
                                .putHeader("Location", "http://127.0.0.1:18099/cb?code=" + token() + "&state=s&iss=http%3A%2F%2F127.0.0.1")
                                .putHeader("Set-Cookie", "orch_session=" + token() + "; Path=/; HttpOnly; SameSite=Lax")
                                .putHeader("Cache-Control", "no-store").end();
                    }))
                    .listen().<Void>mapEmpty().onComplete(started);
        }

        private String token() {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        private Future<Void> stage(int index) {
            if (index == stages.length) {
                return Future.succeededFuture();
            }
            String stage = stages[index];
            if (stage.startsWith("r")) {
                return redisSets(Integer.parseInt(stage.substring(1))).compose(ignored -> stage(index + 1));
            }
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(stage); i++) {
                calls.add(post());
            }
            return Future.all(calls).compose(ignored -> stage(index + 1));
        }

        private Future<Buffer> post() {
            return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(echoPort)
                            .setURI("/token").putHeader("Content-Type", "application/x-www-form-urlencoded")
                            .putHeader("Accept", "application/json"))
                    .compose(request -> request.send(form))
                    .compose(response -> response.body());
        }

        private Future<Void> redisSets(int n) {
            if (n == 0) {
                return Future.succeededFuture();
            }
            byte[] value = new byte[750];
            random.nextBytes(value);
            return redis.send(Request.cmd(Command.SET).arg("floor:" + token()).arg(Base64.getEncoder().encodeToString(value))
                            .arg("PX").arg(60000))
                    .compose(ignored -> redisSets(n - 1));
        }
    }
}
