package org.conceptscope.model;

import ai.djl.engine.Engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

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
		t.setContextClassLoader(EngineEnvironment.class.getClassLoader());
		try {
			return call.get();
		} finally {
			t.setContextClassLoader(before);
		}
	}

	/** Starts a DJL engine by name, offline, with ConceptScope's class loader. */
	public static Engine start(String name) {
		offline();
		return withOwnClassLoader(() -> Engine.getEngine(name));
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
		ClassLoader loader = EngineEnvironment.class.getClassLoader();
		try {
			Files.createDirectories(dir);
			try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
				FileLock ignored = ch.lock()) {
				for (String name : names) {
					URL url = loader.getResource(resourceDir + name);
					if (url == null) throw new IllegalStateException(missing);
					Path target = dir.resolve(name);
					URLConnection conn = url.openConnection();
					long size = conn.getContentLengthLong();
					if (Files.isRegularFile(target) && size >= 0 && Files.size(target) == size) continue;
					Path tmp = Files.createTempFile(dir, name, ".part");
					try (InputStream in = conn.getInputStream()) {
						Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
						Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
					} finally {
						Files.deleteIfExists(tmp);
					}
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("Could not unpack native libraries into " + dir + ": " + e.getMessage(), e);
		}
	}

	/** Removes a temporary folder tree without following links; best effort. */
	public static void deleteTree(Path root) {
		SavedModelFiles.deleteTree(root);
	}

	private static void setIfAbsent(String key, String value) {
		if (System.getProperty(key) == null && System.getenv(key) == null) System.setProperty(key, value);
	}
}
