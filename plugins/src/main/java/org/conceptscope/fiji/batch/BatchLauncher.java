package org.conceptscope.fiji.batch;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The batch runner started from the plugin jar as installed: {@code java -jar
 * Fiji.app/plugins/ConceptScope_-<version>.jar input=... model=... save_dir=...} (the jar's
 * Main-Class). The update site puts the plugin jar in {@code plugins/} and its libraries in
 * {@code jars/} and {@code jars/linux64/} under its own names, and Fiji's own jars (ImageJ,
 * ImgLib2, SciJava) carry whatever version that Fiji has, so no manifest Class-Path can name them:
 * this class finds them at run time, beside the jar ({@code jars/}, {@code lib/}, the jar's own
 * folder: plain ImageJ's {@code plugins/jars/}, the -Pbatch and Spark folders) and one folder up
 * ({@code ../jars/} with its platform folder, {@code ../ij.jar}: Fiji, plain ImageJ), puts them in a
 * class loader of their own, makes it the thread's context class loader (DJL finds its engines
 * through it) and starts {@link Batch#main}. Only JDK classes are used here, since nothing else is
 * on the class path until then.
 * <p>
 * {@link #COMMAND} is the command every message names (declared only here).
 */
public final class BatchLauncher {

	/** The plugin jar as a command names it: quoted where it holds a space. */
	public static final String JAR = jarText();

	/** The command that starts the batch runner, as every message names it. */
	public static final String COMMAND = "java -jar " + JAR;

	private static final String BATCH = "org.conceptscope.fiji.batch.Batch";

	private BatchLauncher() {}

	/** {@link #COMMAND} with {@code -Xmx<gigabytes>g}. */
	public static String command(long gigabytes) {
		return "java -Xmx" + gigabytes + "g -jar " + JAR;
	}

	public static void main(String[] args) throws Throwable {
		// a command-line runner never opens a window: ImageJ then needs no display
		if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
		ClassLoader loader = BatchLauncher.class.getClassLoader();
		Path jar = self();
		if (!visible(loader)) {
			List<URL> urls = jar == null ? List.of() : classPath(jar);
			loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
			if (!visible(loader)) {
				System.err.println("ConceptScope batch: found no ImageJ or DJL jars beside " + (jar == null ? "this jar" : jar) + ": run the jar"
					+ " where ConceptScope is installed (Fiji.app/plugins/, its libraries in Fiji.app/jars/; or ImageJ's plugins/ with them"
					+ " in plugins/jars/), or put its libraries on the class path (java -cp ... " + BATCH + ").");
				System.exit(1);
			}
		}
		Thread.currentThread().setContextClassLoader(loader);
		try {
			Class.forName(BATCH, true, loader).getMethod("main", String[].class).invoke(null, (Object) args);
		} catch (InvocationTargetException e) {
			throw e.getCause();
		}
	}

	/** Whether the batch runner's libraries load through {@code loader}. */
	private static boolean visible(ClassLoader loader) {
		try {
			Class.forName("ij.ImagePlus", false, loader);
			Class.forName("ai.djl.engine.Engine", false, loader);
			Class.forName("org.conceptscope.model.Classifier", false, loader);
			return true;
		} catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
	}

	/**
	 * The jar itself, then every jar of Fiji's {@code ../jars/} (and its platform folder),
	 * {@code ../ij.jar}, {@code jars/} (and its platform folder), {@code lib/} and the jar's own
	 * folder, each folder in name order.
	 */
	static List<URL> classPath(Path jar) throws MalformedURLException {
		Path dir = jar.getParent(), up = dir.getParent();
		LinkedHashSet<Path> files = new LinkedHashSet<>();
		files.add(jar);
		if (up != null) {
			jars(up.resolve("jars"), files);
			if (Files.isRegularFile(up.resolve("ij.jar"))) files.add(up.resolve("ij.jar"));
		}
		jars(dir.resolve("jars"), files);
		jars(dir.resolve("lib"), files);
		jars(dir, files);
		List<URL> urls = new ArrayList<>();
		for (Path f : files) urls.add(f.toUri().toURL());
		return urls;
	}

	/** The jars of {@code folder} and of its subfolder for this platform (Fiji's names), in name order. */
	private static void jars(Path folder, LinkedHashSet<Path> files) {
		List<Path> folders = new ArrayList<>(List.of(folder));
		for (String p : platforms()) folders.add(folder.resolve(p));
		for (Path f : folders) {
			if (!Files.isDirectory(f)) continue;
			try (Stream<Path> s = Files.list(f)) {
				s.filter(j -> j.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar") && Files.isRegularFile(j)).sorted()
					.forEach(j -> files.add(j.toAbsolutePath().normalize()));
			} catch (IOException e) {
				// an unreadable folder adds nothing; a missing library is said in one sentence above
			}
		}
	}

	/** Fiji's folder names for this platform's native jars. */
	private static List<String> platforms() {
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch", "");
		boolean x64 = arch.equals("amd64") || arch.equals("x86_64"), arm = arch.equals("aarch64") || arch.equals("arm64");
		if (os.startsWith("linux")) return x64 ? List.of("linux64") : arm ? List.of("linux-arm64") : List.of();
		if (os.startsWith("windows")) return x64 ? List.of("win64") : arm ? List.of("win-arm64") : List.of();
		if (os.startsWith("mac")) return arm ? List.of("macos-arm64", "macosx") : List.of("macosx");
		return List.of();
	}

	/** The jar this class was loaded from (absolute); null from a classes folder or when unknown. */
	private static Path self() {
		try {
			java.security.CodeSource src = BatchLauncher.class.getProtectionDomain().getCodeSource();
			if (src == null || src.getLocation() == null) return null;
			Path p = Path.of(src.getLocation().toURI()).toAbsolutePath().normalize();
			return Files.isRegularFile(p) ? p : null;
		} catch (RuntimeException | java.net.URISyntaxException e) {
			return null;
		}
	}

	/**
	 * The jar ConceptScope runs from where {@code java -jar} starts the batch runner with it (its
	 * manifest names this class or {@link Batch}); otherwise (a classes folder, a jar of another
	 * runner) where the update site installs the plugin jar.
	 */
	private static String jarText() {
		Path jar = self();
		String path = jar != null && startsBatch(jar) ? jar.toString() : "Fiji.app/plugins/ConceptScope_-" + version() + ".jar";
		return path.chars().anyMatch(Character::isWhitespace) ? '"' + path + '"' : path;
	}

	private static boolean startsBatch(Path jar) {
		try (JarFile f = new JarFile(jar.toFile())) {
			String main = f.getManifest() == null ? null : f.getManifest().getMainAttributes().getValue("Main-Class");
			return BatchLauncher.class.getName().equals(main) || BATCH.equals(main);
		} catch (IOException | RuntimeException e) {
			return false;
		}
	}

	/** The version Maven wrote into version.properties. */
	private static String version() {
		try (InputStream in = BatchLauncher.class.getResourceAsStream("version.properties")) {
			Properties p = new Properties();
			if (in != null) p.load(in);
			return p.getProperty("version", "<version>");
		} catch (IOException e) {
			return "<version>";
		}
	}
}
