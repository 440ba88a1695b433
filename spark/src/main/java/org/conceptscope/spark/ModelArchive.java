package org.conceptscope.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A model folder as one zip file for Spark to ship to executors: the folder itself is the zip's
 * top entry, so it keeps its name once unpacked. Stored, not compressed: the weights hardly
 * compress and the archive is read once per executor.
 */
final class ModelArchive {

	private ModelArchive() {}

	/** A new temporary zip of {@code folder}, removed when the JVM exits. */
	static Path zip(Path folder) throws IOException {
		Path dir = Files.createTempDirectory("conceptscope-model-");
		Path zip = dir.resolve(folder.getFileName() + ".zip");
		dir.toFile().deleteOnExit();
		zip.toFile().deleteOnExit();
		List<Path> files;
		try (Stream<Path> s = Files.walk(folder)) {
			files = s.filter(Files::isRegularFile).sorted().toList();
		}
		try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
			z.setLevel(0);
			for (Path f : files) {
				String name = folder.getFileName() + "/" + folder.relativize(f).toString().replace('\\', '/');
				z.putNextEntry(new ZipEntry(name));
				Files.copy(f, z);
				z.closeEntry();
			}
		}
		return zip;
	}
}
