package org.conceptscope.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.conceptscope.util.Folders;

/**
 * Replacing an exported folder: the new folder takes the old one's place and nothing else stays
 * beside it; what a run killed half-way leaves on disk (its hidden half-written folder, or the old
 * folder moved aside just before the new one moved in) is cleaned up or put back by the next export.
 */
class SavedModelSwapTest {

	@TempDir
	Path parent;

	@Test
	void theNewFolderReplacesTheOldAndNothingStaysBeside() throws IOException {
		Path dir = folder("head", "old.txt"), tmp = folder(".head" + SavedModelExport.PART + "1", "new.txt");
		Folders.replace(tmp, dir);
		assertEquals(List.of("head"), names(parent));
		assertEquals(List.of("new.txt"), names(dir));
	}

	@Test
	void leftoversOfAKilledExportAreRemovedOrPutBack() throws IOException {
		// killed while writing: only its hidden half-written folder is left, beside the intact old one
		folder("head", "old.txt");
		folder(".head" + SavedModelExport.PART + "7", "half.txt");
		folder("head-notes", "mine.txt"); // a user's folder with a similar name is not touched
		SavedModelExport.recoverLeftovers(parent, "head");
		assertEquals(List.of("head", "head-notes"), names(parent));
		assertEquals(List.of("old.txt"), names(parent.resolve("head")));

		// killed between moving the old folder aside and moving the new one in: the old one comes back
		Files.move(parent.resolve("head"), parent.resolve(".head" + SavedModelExport.OLD + "x"));
		folder(".head" + SavedModelExport.PART + "8", "new.txt");
		SavedModelExport.recoverLeftovers(parent, "head");
		assertEquals(List.of("head", "head-notes"), names(parent));
		assertEquals(List.of("old.txt"), names(parent.resolve("head")));
		assertFalse(Files.exists(parent.resolve(".head" + SavedModelExport.OLD + "x")));
	}

	private Path folder(String name, String file) throws IOException {
		Path d = Files.createDirectories(parent.resolve(name));
		Files.writeString(d.resolve(file), name);
		return d;
	}

	private static List<String> names(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}
}
