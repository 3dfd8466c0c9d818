import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.lang.model.element.ModuleElement;
import javax.lang.model.element.ModuleElement.ExportsDirective;
import javax.lang.model.util.ElementFilter;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticListener;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import com.sun.source.util.JavacTask;

/**
 * Writes the javadoc {@code element-list} of the Java SE API of one release, so that
 * javadoc can link to the JDK's documentation offline ({@code -linkoffline}).
 *
 * <p>The list comes from the running JDK's own record of that release (the data
 * behind {@code javac --release N}), not from the network: every {@code java.*}
 * module of release N with the packages it exports to everyone. Run with the
 * build's toolchain JDK: {@code java JdkElementList.java <release> <output dir>}.
 */
public final class JdkElementList {
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: java JdkElementList.java <release> <output dir>");
        }
        String release = args[0];
        Path out = Path.of(args[1]).resolve("element-list");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject empty = new SimpleJavaFileObject(URI.create("string:///Empty.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return "class Empty {}";
            }
        };
        List<String> options = List.of("--release", release, "--add-modules", "ALL-SYSTEM", "-proc:none");
        List<String> errors = new ArrayList<>();
        DiagnosticListener<JavaFileObject> onlyErrors = diagnostic -> {
            // Warnings (for example about incubator modules) are no concern of a package list.
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR) {
                errors.add(diagnostic.getMessage(null));
            }
        };
        JavacTask task = (JavacTask) javac.getTask(null, null, onlyErrors, options, null, List.of(empty));
        task.analyze();
        if (!errors.isEmpty()) {
            throw new IllegalStateException("javac --release " + release + ": " + errors);
        }

        Map<String, TreeSet<String>> modules = new TreeMap<>();
        for (ModuleElement module : task.getElements().getAllModuleElements()) {
            String name = module.getQualifiedName().toString();
            if (!name.startsWith("java.")) {
                continue;
            }
            TreeSet<String> packages = new TreeSet<>();
            for (ExportsDirective export : ElementFilter.exportsIn(module.getDirectives())) {
                if (export.getTargetModules() == null) {
                    packages.add(export.getPackage().getQualifiedName().toString());
                }
            }
            modules.put(name, packages);
        }
        if (!modules.containsKey("java.base") || modules.get("java.base").isEmpty()) {
            throw new IllegalStateException("javac --release " + release + " shows no java.base exports");
        }

        List<String> lines = new ArrayList<>();
        modules.forEach((module, packages) -> {
            lines.add("module:" + module);
            lines.addAll(packages);
        });
        Files.createDirectories(out.getParent());
        Files.write(out, lines, StandardCharsets.UTF_8);
        System.out.println("element-list of Java SE " + release + ": " + modules.size() + " modules, "
                + (lines.size() - modules.size()) + " packages -> " + out);
    }
}
