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
}
