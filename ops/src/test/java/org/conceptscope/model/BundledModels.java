package org.conceptscope.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the SavedModels that test-images/ trains and commits. */
public final class BundledModels {

	private BundledModels() {}

	public static Path dir(String name) {
		Path p = Paths.get("").toAbsolutePath();
		while (p != null && !Files.isDirectory(p.resolve("test-images/models"))) p = p.getParent();
		if (p == null) throw new IllegalStateException("test-images/models not found above " + Paths.get("").toAbsolutePath());
		return p.resolve("test-images/models").resolve(name);
	}

	/** Copies a model folder (or any tree) to {@code to}, which must not exist yet: tests change copies, never the bundled models. */
	public static void copyTree(Path from, Path to) throws java.io.IOException {
		try (java.util.stream.Stream<Path> s = Files.walk(from)) {
			for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, to.resolve(from.relativize(p).toString()));
		}
	}
}
