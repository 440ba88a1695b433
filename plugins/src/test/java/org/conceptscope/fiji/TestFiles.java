package org.conceptscope.fiji;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Finds the bundled test images and macros, and lists output folders. */
final class TestFiles {

	private TestFiles() {}

	/** The test-images folder, found by walking up from the working directory. */
	static Path testImages() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir.resolve("test-images/models"))) return dir.resolve("test-images");
		}
		throw new IllegalStateException("No folder containing test-images/models above " + Path.of("").toAbsolutePath());
	}

	/** The project's macros/ folder, found beside test-images. */
	static Path macros() {
		Path dir = testImages().resolveSibling("macros");
		if (!Files.isDirectory(dir)) throw new IllegalStateException("No macros folder at " + dir);
		return dir;
	}

	/** File names in a folder, sorted. */
	static List<String> names(Path dir) {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
