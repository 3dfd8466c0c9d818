package dev.fdcapture;

import dev.fdcapture.internal.SpoolBacking;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every byte written before close() begins is delivered before close() returns:
 * 8 native writer threads, both fds at once, 512 MiB of checksummed records, on
 * each spool backing (a memfd; an O_TMPFILE file in java.io.tmpdir).
 */
class LosslessTest extends FdLevelTest {
    private static final int MAGIC = 0xFDCA_0001;
    private static final int HEADER = 24; // magic, writer, seq, length (int each), crc (long)
    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final long TOTAL = 512L << 20;
    private static final int WRITERS = 8;

    @ParameterizedTest(name = "spool {0}")
    @ValueSource(strings = {"memfd", "tmpfile"})
    void half_a_gigabyte_from_8_threads_on_both_fds_arrives_whole_and_checksummed(String backing) throws Exception {
        System.setProperty(SpoolBacking.PROPERTY, backing);
        try {
            halfAGigabyte();
        } finally {
            System.clearProperty(SpoolBacking.PROPERTY);
        }
    }

    private void halfAGigabyte() throws Exception {
        RecordChecker out = new RecordChecker();
        RecordChecker err = new RecordChecker();
        long[] written = new long[WRITERS];
        int[] records = new int[WRITERS];
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        try (Redirection r = NativeOutput.redirect().backlogLimit(Long.MAX_VALUE)
                .stdout(Sink.stream(out)).stderr(Sink.stream(err)).start()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int id = w;
                futures.add(pool.submit((Callable<Void>) () -> {
                    writeRecords(id, id % 2 == 0 ? 1 : 2, TOTAL / WRITERS, written, records);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long total = 0;
        for (int w = 0; w < WRITERS; w++) {
            RecordChecker checker = w % 2 == 0 ? out : err;
            assertEquals(records[w], checker.records[w], "records of writer " + w);
            assertEquals(written[w], checker.bytes[w], "bytes of writer " + w);
            total += written[w];
        }
        assertEquals(0, out.pending() + err.pending(), "a record was cut short");
        assertEquals(total, out.total + err.total);
        assertEquals(true, total >= TOTAL);
    }

    private static void writeRecords(int writer, int fd, long quota, long[] written, int[] records) {
        Random random = new Random(writer);
        byte[] noise = new byte[1 << 20];
        random.nextBytes(noise);
        {
            com.sun.jna.Memory buf = NativeWriters.allocate(HEADER + MAX_PAYLOAD);
            long done = 0;
            int seq = 0;
            CRC32C crc = new CRC32C();
            while (done < quota) {
                int length = 1 + random.nextInt(MAX_PAYLOAD);
                int from = random.nextInt(noise.length - length);
                crc.reset();
                crc.update(noise, from, length);
                buf.setInt(0, MAGIC);
                buf.setInt(4, writer);
                buf.setInt(8, seq++);
                buf.setInt(12, length);
                buf.setLong(16, crc.getValue());
                buf.write(HEADER, noise, from, length);
                // One write per record: O_APPEND keeps concurrent records whole.
                NativeWriters.write(fd, buf, HEADER + length);
                done += HEADER + length;
            }
            written[writer] = done;
            records[writer] = seq;
        }
    }

    /** Reassembles records from arbitrary chunks and checks each one. */
    private static final class RecordChecker extends OutputStream {
        final long[] bytes = new long[WRITERS];
        final int[] records = new int[WRITERS];
        final int[] nextSeq = new int[WRITERS];
        long total;
        private final ByteBuffer partial = ByteBuffer.allocate(HEADER + MAX_PAYLOAD)
                .order(java.nio.ByteOrder.nativeOrder());
        private final CRC32C crc = new CRC32C();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            total += len;
            while (len > 0) {
                int need = partial.position() < HEADER ? HEADER - partial.position()
                        : HEADER + partial.getInt(12) - partial.position();
                int n = Math.min(need, len);
                partial.put(b, off, n);
                off += n;
                len -= n;
                if (partial.position() == HEADER) {
                    if (partial.getInt(0) != MAGIC) {
                        throw new AssertionError("stream out of step: no record starts here");
                    }
                } else if (partial.position() > HEADER && partial.position() == HEADER + partial.getInt(12)) {
                    check();
                    partial.clear();
                }
            }
        }

        private void check() {
            int writer = partial.getInt(4);
            int seq = partial.getInt(8);
            int length = partial.getInt(12);
            crc.reset();
            crc.update(partial.array(), HEADER, length);
            if (crc.getValue() != partial.getLong(16)) {
                throw new AssertionError("record " + seq + " of writer " + writer + " is corrupt");
            }
            if (seq != nextSeq[writer]++) {
                throw new AssertionError("writer " + writer + ": record " + seq + " out of order");
            }
            records[writer]++;
            bytes[writer] += HEADER + length;
        }

        int pending() {
            return partial.position();
        }
    }
}
