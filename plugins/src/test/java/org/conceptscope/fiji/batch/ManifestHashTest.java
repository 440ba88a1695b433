package org.conceptscope.fiji.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model folder's hash is SHA-256 over each file's relative path, a 0 byte and its bytes, in path order. */
class ManifestHashTest {

	@TempDir
	Path dir;

	@Test
	void aFolderHashIsTheDefinitionComputedByHand() throws Exception {
		Files.createDirectories(dir.resolve("variables"));
		Files.writeString(dir.resolve("saved_model.pb"), "graph");
		Files.write(dir.resolve("variables/variables.index"), new byte[70_000]); // more than one read buffer
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		all.write("saved_model.pb".getBytes(StandardCharsets.UTF_8));
		all.write(0);
		all.write("graph".getBytes(StandardCharsets.UTF_8));
		all.write("variables/variables.index".getBytes(StandardCharsets.UTF_8));
		all.write(0);
		all.write(new byte[70_000]);
		String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.toByteArray()));
		assertEquals(want, BatchManifest.hashFolder(dir));
		Path link = Files.createSymbolicLink(dir.resolveSibling(dir.getFileName() + "-current"), dir);
		try {
			assertEquals(want, BatchManifest.hashFolder(link), "models/current -> v7: the files of the folder it points to");
		} finally {
			Files.delete(link);
		}
		Files.writeString(dir.resolve("saved_model.pb"), "graph!");
		assertNotEquals(want, BatchManifest.hashFolder(dir));
	}
}
