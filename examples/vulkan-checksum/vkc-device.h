/* The Vulkan side of iio-vk-checksum: a compute device that imports
 * dma-bufs as VkBuffers (VK_EXT_external_memory_dma_buf, no copy) and runs
 * checksum.comp over them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VKC_DEVICE_H
#define VKC_DEVICE_H

#include <glib.h>
#include <vulkan/vulkan.h>

G_BEGIN_DECLS

/* One dma-buf imported: a VkBuffer over all of it, bound to the imported
 * memory, and the descriptor set that hands it (and the result) to the
 * shader. */
typedef struct
{
  guint64 inode;
  VkDeviceSize dmabuf_size;
  VkBuffer buffer;
  VkDeviceMemory memory;
  VkDescriptorPool pool;
  VkDescriptorSet set;
} VkcImport;

typedef struct
{
  VkInstance instance;
  VkPhysicalDevice physical;
  VkPhysicalDeviceLimits limits;
  VkPhysicalDeviceMemoryProperties memory_props;
  gboolean has_foreign;
  gboolean dedicated_only;
  VkDevice device;
  guint32 family;
  VkQueue queue;
  PFN_vkGetMemoryFdPropertiesKHR get_memory_fd_properties;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout pipeline_layout;
  VkShaderModule shader;
  VkPipeline pipeline;
  VkCommandPool command_pool;
  VkCommandBuffer cmd;
  VkFence fence;
  /* The two sums: allocated normally, host-visible, mapped at sums. */
  VkBuffer result;
  VkDeviceMemory result_memory;
  guint32 *sums;
  /* inode -> VkcImport, see vkc_import_get () */
  GHashTable *imports;
  guint n_imports;
} Vkc;

/* Picks the first device that imports dma-bufs, and makes the compute
 * pipeline; reports what failed on stderr. */
gboolean vkc_init (Vkc *vk);
/* Frees every import and the device (safe after a failed vkc_init). */
void vkc_clear (Vkc *vk);
/* The import of dma-buf @fd (identity @inode), made on first use and kept
 * for the program's life; NULL on failure, reported. @fd stays the
 * caller's. */
VkcImport *vkc_import_get (Vkc *vk, gint fd, guint64 inode);
/* Checksums @n_words words of @imp from @first_word on the device; waits
 * for the result. */
gboolean vkc_checksum (Vkc *vk, VkcImport *imp, guint32 first_word,
    guint32 n_words, guint32 *sum1, guint32 *sum2);

G_END_DECLS

#endif /* VKC_DEVICE_H */
