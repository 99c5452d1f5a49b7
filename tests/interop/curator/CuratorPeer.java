// One Apache Curator participant for the interop test (tests/interop/test_curator_interop.py).
// It speaks the same command line and log format as tests/interop/curator_peer.cc, the C++
// participant built on our recipes, so the driver can mix both on one lock or election path.
//
//   java CuratorPeer --connect HOST:PORT --mode mutex|latch|selector --path P --name N
//                    --log FILE [--rounds R] [--hold-ms H] [--counter PATH] [--session-ms S]
//
// The peer connects, prints READY, and waits for one line on stdin before it starts, so all
// peers contend at once. Each round it takes the lock (or leadership), appends
// "<monotonic ns> enter <name> java" to the log, performs a read-modify-write increment of the
// counter znode (non-atomic on purpose: a second holder would lose increments), sleeps
// hold-ms, appends "... exit ...", and gives the lock up. hold-ms < 0 holds until killed.
// The log is opened with O_APPEND and each record is one write, so the file's line order is
// the order in which the records were written. Exit code 0 means every round completed.

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

public final class CuratorPeer {
    private static final long WAIT_SECONDS = 120;

    private final Map<String, String> args;
    private final String name;
    private final FileOutputStream log;
    private CuratorFramework client;

    private CuratorPeer(Map<String, String> args) throws Exception {
        this.args = args;
        this.name = required("--name");
        this.log = new FileOutputStream(required("--log"), true);
    }

    private String required(String key) {
        String value = args.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }

    private long number(String key, long fallback) {
        String value = args.get(key);
        return value == null ? fallback : Long.parseLong(value);
    }

    private void record(String event) throws Exception {
        String line = System.nanoTime() + " " + event + " " + name + " java\n";
        log.write(line.getBytes(StandardCharsets.UTF_8));
    }

    // The critical section shared by every mode.
    private void hold() throws Exception {
        record("enter");
        long holdMs = number("--hold-ms", 20);
        String counter = args.get("--counter");
        if (holdMs < 0) {
            Thread.sleep(Long.MAX_VALUE);  // until the driver kills us
        }
        if (counter != null) {
            Stat stat = new Stat();
            long value = 0;
            try {
                byte[] data = client.getData().storingStatIn(stat).forPath(counter);
                value = Long.parseLong(new String(data, StandardCharsets.UTF_8).trim());
            } catch (KeeperException.NoNodeException e) {
                client.create().creatingParentsIfNeeded().forPath(counter, "0".getBytes());
            }
            Thread.sleep(holdMs);
            client.setData().forPath(counter,
                                     Long.toString(value + 1).getBytes(StandardCharsets.UTF_8));
        } else {
            Thread.sleep(holdMs);
        }
        record("exit");
    }

    private void runMutex(String path) throws Exception {
        InterProcessMutex mutex = new InterProcessMutex(client, path);
        if (!mutex.acquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("mutex not acquired within " + WAIT_SECONDS + " s");
        }
        try {
            hold();
        } finally {
            mutex.release();
        }
    }

    private void runLatch(String path) throws Exception {
        try (LeaderLatch latch = new LeaderLatch(client, path, name)) {
            latch.start();
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no leadership within " + WAIT_SECONDS + " s");
            }
            hold();
            if (!latch.hasLeadership()) {
                throw new IllegalStateException("leadership lost while leading");
            }
        }
    }

    private void runSelector(String path) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Exception> failure = new AtomicReference<>();
        LeaderSelector selector = new LeaderSelector(client, path,
                new LeaderSelectorListenerAdapter() {
                    @Override
                    public void takeLeadership(CuratorFramework unused) {
                        try {
                            hold();
                        } catch (Exception e) {
                            failure.set(e);
                        } finally {
                            done.countDown();
                        }
                    }
                });
        selector.setId(name);
        selector.start();
        try {
            if (!done.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no leadership within " + WAIT_SECONDS + " s");
            }
        } finally {
            selector.close();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private void run() throws Exception {
        String mode = required("--mode");
        String path = required("--path");
        int sessionMs = (int) number("--session-ms", 4000);
        client = CuratorFrameworkFactory.builder()
                .connectString(required("--connect"))
                .sessionTimeoutMs(sessionMs)
                .connectionTimeoutMs(Math.min(sessionMs, 15000))
                .retryPolicy(new ExponentialBackoffRetry(100, 10))
                .defaultData(name.getBytes(StandardCharsets.UTF_8))  // lock nodes carry our name
                .build();
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not connected within 30 s");
        }
        System.out.println("READY");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        long rounds = number("--rounds", 1);
        for (long round = 0; round < rounds; round++) {
            switch (mode) {
                case "mutex": runMutex(path); break;
                case "latch": runLatch(path); break;
                case "selector": runSelector(path); break;
                default: throw new IllegalArgumentException("unknown mode " + mode);
            }
        }
        client.close();
        log.close();
        System.out.println("DONE");
        System.out.flush();
    }

    public static void main(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i], argv[i + 1]);
        }
        try {
            new CuratorPeer(args).run();
        } catch (Exception e) {
            System.out.println("ERROR " + e);
            e.printStackTrace();
            System.exit(2);
        }
        System.exit(0);
    }
}
