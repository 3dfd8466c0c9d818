import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites a jar with every entry stored instead of deflated, in the same order
 * (the manifest stays first, for JarInputStream), with the same times and extra
 * fields, so a reproducible jar stays reproducible.
 *
 * <pre>java build-support/StoreJar.java JAR</pre>
 *
 * <p>For the agent's shaded jar (agent/pom.xml), which maven-shade-plugin can
 * only deflate (MSHADE-173): a fresh JVM reads the classes of a first capture
 * from it, and inflating them was about 7 ms of that (issue 10).
 */
public final class StoreJar {
    private StoreJar() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java StoreJar.java JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path stored = jar.resolveSibling(jar.getFileName() + ".stored");
        try (ZipFile in = new ZipFile(jar.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(stored))) {
            out.setMethod(ZipOutputStream.STORED);
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                ZipEntry from = e.nextElement();
                byte[] bytes;
                try (InputStream data = in.getInputStream(from)) {
                    bytes = data.readAllBytes();
                }
                CRC32 crc = new CRC32();
                crc.update(bytes);
                ZipEntry to = new ZipEntry(from.getName());
                to.setMethod(ZipEntry.STORED);
                to.setSize(bytes.length);
                to.setCompressedSize(bytes.length);
                to.setCrc(crc.getValue());
                to.setTime(from.getTime());
                to.setExtra(from.getExtra());
                to.setComment(from.getComment());
                out.putNextEntry(to);
                out.write(bytes);
                out.closeEntry();
            }
        }
        // The old file's time too: Maven's plugins compare it with target/classes.
        Files.setLastModifiedTime(stored, Files.getLastModifiedTime(jar));
        Files.move(stored, jar, StandardCopyOption.REPLACE_EXISTING);
    }
}
