package org.conceptscope.model;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ServiceLoader;
import java.util.function.Supplier;

import org.conceptscope.util.AtomicWrite;
import org.conceptscope.util.IoFailures;

/**
 * What every DJL engine ConceptScope starts shares: no downloads ever ({@code ai.djl.offline},
 * no telemetry), DJL's caches inside ConceptScope's own cache folder
 * ({@link TensorFlowEngine#cacheDir()}), and DJL's service lookup run with the class loader that
 * loaded ConceptScope, which in plain ImageJ is not the thread's context class loader (DJL looks
 * engines and their native jars up through the context class loader).
 */
public final class EngineEnvironment {

	private EngineEnvironment() {}

	/** Makes downloads impossible and points DJL's caches into ConceptScope's cache folder (keeps settings the user made). */
	public static synchronized Path offline() {
		Path cache = TensorFlowEngine.cacheDir();
		System.setProperty("ai.djl.offline", "true");
		setIfAbsent("OPT_OUT_TRACKING", "true");
		setIfAbsent("DJL_CACHE_DIR", cache.resolve("djl").toString());
		setIfAbsent("ENGINE_CACHE_DIR", cache.resolve("djl").toString());
		return cache;
	}

	/** Runs a DJL call with ConceptScope's class loader as the thread's context class loader. */
	public static <T> T withOwnClassLoader(Supplier<T> call) {
		Thread t = Thread.currentThread();
		ClassLoader before = t.getContextClassLoader();
		t.setContextClassLoader(engineLoader());
		try {
			return call.get();
		} finally {
			t.setContextClassLoader(before);
		}
	}

	/**
	 * Starts a DJL engine by name, offline, with ConceptScope's class loader. DJL lists its engines
	 * once per JVM, with whatever context class loader the first caller had: when that list lacks
	 * the engine (in plain ImageJ the plugin jars are invisible to it), the engine's provider is
	 * looked up with ConceptScope's own loader and registered, so a later call still succeeds.
	 */
	public static Engine start(String name) {
		offline();
		return withOwnClassLoader(() -> {
			if (!Engine.hasEngine(name)) {
				for (EngineProvider p : ServiceLoader.load(EngineProvider.class, engineLoader())) {
					if (name.equals(p.getEngineName())) Engine.registerEngine(p);
				}
			}
			if (!Engine.hasEngine(name)) {
				throw new IllegalStateException("DJL's " + name + " engine is not among ConceptScope's jars (" + ownJarFolder()
					+ "): install ConceptScope again from its update site, or copy the engine's jars beside conceptscope-ops.");
			}
			return Engine.getEngine(name);
		});
	}

	/** The folder of the jar (or classes folder) ConceptScope's core was loaded from; null when unknown. */
	static Path ownJarFolder() {
		try {
			java.security.CodeSource src = EngineEnvironment.class.getProtectionDomain().getCodeSource();
			if (src == null || src.getLocation() == null) return null;
			Path p = Path.of(src.getLocation().toURI());
			return Files.isDirectory(p) ? p : p.getParent();
		} catch (java.net.URISyntaxException | RuntimeException e) {
			return null;
		}
	}

	private static ClassLoader engineLoader;

	/**
	 * ConceptScope's class loader, widened by the jars of the {@code linux64/} folder beside
	 * ConceptScope's jar when that folder exists. Fiji's launcher puts {@code jars/linux64/} on the
	 * class path; plain ImageJ started on a Fiji folder ({@code java -jar ij.jar}) adds only
	 * {@code jars/} itself, so the natives jars the update site installs there (TensorFlow,
	 * libtorch) are reached this way. DJL's engines read their natives through this loader.
	 */
	public static synchronized ClassLoader engineLoader() {
		if (engineLoader != null) return engineLoader;
		ClassLoader own = EngineEnvironment.class.getClassLoader();
		engineLoader = own;
		Path folder = ownJarFolder();
		Path natives = folder == null ? null : folder.resolve("linux64");
		if (natives != null && Files.isDirectory(natives)) {
			try (java.util.stream.Stream<Path> files = Files.list(natives)) {
				java.util.List<URL> jars = new java.util.ArrayList<>();
				for (Path jar : files.filter(j -> j.getFileName().toString().endsWith(".jar")).sorted().toList()) jars.add(jar.toUri().toURL());
				if (!jars.isEmpty()) engineLoader = new java.net.URLClassLoader(jars.toArray(new URL[0]), own);
			} catch (IOException e) {
				// an unreadable folder: natives are then looked for on the class path only, and their absence is reported there
			}
		}
		return engineLoader;
	}

	/** Where a native library resource is, as {@link #engineLoader()} sees it; null when absent. */
	static URL nativeResource(String resource) {
		return engineLoader().getResource(resource);
	}

	/** Whether the platform is the one ConceptScope ships natives for. */
	public static boolean isLinuxX86_64() {
		String os = System.getProperty("os.name", "").toLowerCase();
		String arch = System.getProperty("os.arch", "");
		return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
	}

	/**
	 * Copies native libraries out of jars on ConceptScope's class path into a cache folder, unless
	 * a copy of the same size is there; a file lock keeps JVMs started together from colliding,
	 * and each file appears whole (written aside, then moved).
	 *
	 * @param missing the sentence for a library that is not on the class path
	 */
	public static void unpack(String resourceDir, String[] names, Path dir, String missing) {
		try {
			Files.createDirectories(dir);
			try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
				FileLock ignored = ch.lock()) {
				for (String name : names) {
					URL url = nativeResource(resourceDir + name);
					if (url == null) throw new IllegalStateException(missing);
					Path target = dir.resolve(name);
					URLConnection conn = url.openConnection();
					long size = conn.getContentLengthLong();
					if (Files.isRegularFile(target) && size >= 0 && Files.size(target) == size) continue;
					try (InputStream in = conn.getInputStream()) {
						AtomicWrite.writeNow(target, in::transferTo); // readable by others sharing the cache folder
					}
				}
			}
		} catch (IOException e) {
			throw new IllegalStateException("Cannot unpack the native libraries into " + dir + " (" + IoFailures.reason(e) + "): set the system property "
				+ TensorFlowEngine.CACHE_DIR_PROPERTY + " or the environment variable " + TensorFlowEngine.CACHE_DIR_VARIABLE
				+ " to a writable folder.", e);
		}
	}

	private static void setIfAbsent(String key, String value) {
		if (System.getProperty(key) == null && System.getenv(key) == null) System.setProperty(key, value);
	}
}
