/* The Vulkan side of iio-vk-checksum: picks a device that imports
 * dma-bufs, imports each as a VkBuffer bound to the dma-buf's own memory,
 * and dispatches checksum.comp over it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vkc-device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* checksum_spv[]: checksum.comp as SPIR-V, made by glslangValidator at build
 * time. */
#include "checksum.spv.h"

/* local_size_x of checksum.comp */
#define GROUP_SIZE 256

/* How long one dispatch may take before the program gives up (ns). */
#define DISPATCH_TIMEOUT (10 * G_GUINT64_CONSTANT (1000000000))

static const gchar *const device_extensions[] = {
  VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME,
  VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME,
};

static gboolean
vk_ok (VkResult res, const gchar *call)
{
  if (res == VK_SUCCESS)
    return TRUE;
  g_printerr ("iio-vk-checksum: %s failed: VkResult %d\n", call, (gint)res);
  return FALSE;
}

/* For a call that creates *handle: after a failure its contents are
 * undefined (Vulkan spec, "Return Codes"), so null it for the cleanup. */
static gboolean
vk_created (VkResult res, const gchar *call, gpointer handle, gsize size)
{
  if (vk_ok (res, call))
    return TRUE;
  memset (handle, 0, size);
  return FALSE;
}

#define VK_CREATED(res, call, handle)                                          \
  vk_created ((res), (call), &(handle), sizeof (handle))

static gboolean
has_extension (const VkExtensionProperties *exts, guint32 n, const gchar *name)
{
  guint32 i;

  for (i = 0; i < n; i++) {
    if (strcmp (exts[i].extensionName, name) == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
find_memory_type (const VkPhysicalDeviceMemoryProperties *props,
    guint32 type_bits, VkMemoryPropertyFlags flags, guint32 *type_index)
{
  guint32 i;

  for (i = 0; i < props->memoryTypeCount; i++) {
    if ((type_bits & (1u << i)) &&
        (props->memoryTypes[i].propertyFlags & flags) == flags) {
      *type_index = i;
      return TRUE;
    }
  }
  return FALSE;
}

/* Whether @dev can take dma-bufs as storage buffers; sets the queue family
 * and the device's properties in @vk when it can. */
static gboolean
vkc_device_fits (Vkc *vk, VkPhysicalDevice dev)
{
  VkPhysicalDeviceProperties props;
  VkExtensionProperties *exts = NULL;
  VkQueueFamilyProperties *families = NULL;
  VkPhysicalDeviceExternalBufferInfo buffer_info = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
    .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT,
  };
  VkExternalBufferProperties buffer_props = {
    .sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES,
  };
  VkExternalMemoryFeatureFlags features;
  guint32 n_exts = 0, n_families = 0, i;
  gboolean fits = FALSE;

  vkGetPhysicalDeviceProperties (dev, &props);
  if (props.apiVersion < VK_API_VERSION_1_1)
    return FALSE;

  if (!vk_ok (vkEnumerateDeviceExtensionProperties (dev, NULL, &n_exts, NULL),
          "vkEnumerateDeviceExtensionProperties"))
    return FALSE;
  exts = g_new0 (VkExtensionProperties, MAX (n_exts, 1));
  if (!vk_ok (vkEnumerateDeviceExtensionProperties (dev, NULL, &n_exts, exts),
          "vkEnumerateDeviceExtensionProperties"))
    goto out;
  for (i = 0; i < G_N_ELEMENTS (device_extensions); i++) {
    if (!has_extension (exts, n_exts, device_extensions[i]))
      goto out;
  }

  vkGetPhysicalDeviceExternalBufferProperties (
      dev, &buffer_info, &buffer_props);
  features = buffer_props.externalMemoryProperties.externalMemoryFeatures;
  if (!(features & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT))
    goto out;

  vkGetPhysicalDeviceQueueFamilyProperties (dev, &n_families, NULL);
  families = g_new0 (VkQueueFamilyProperties, MAX (n_families, 1));
  vkGetPhysicalDeviceQueueFamilyProperties (dev, &n_families, families);
  for (i = 0; i < n_families; i++) {
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      break;
  }
  if (i == n_families)
    goto out;

  vk->physical = dev;
  vk->family = i;
  vk->limits = props.limits;
  vk->has_foreign =
      has_extension (exts, n_exts, VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME);
  vk->dedicated_only =
      (features & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT) != 0;
  vkGetPhysicalDeviceMemoryProperties (dev, &vk->memory_props);
  g_printerr ("iio-vk-checksum: Vulkan device: %s\n", props.deviceName);
  fits = TRUE;

out:
  g_free (families);
  g_free (exts);
  return fits;
}

static gboolean
vkc_pick_device (Vkc *vk)
{
  VkPhysicalDevice *devs;
  guint32 n = 0, i;
  gboolean found = FALSE;

  if (!vk_ok (vkEnumeratePhysicalDevices (vk->instance, &n, NULL),
          "vkEnumeratePhysicalDevices"))
    return FALSE;
  devs = g_new0 (VkPhysicalDevice, MAX (n, 1));
  if (vk_ok (vkEnumeratePhysicalDevices (vk->instance, &n, devs),
          "vkEnumeratePhysicalDevices")) {
    for (i = 0; i < n && !found; i++)
      found = vkc_device_fits (vk, devs[i]);
    if (!found)
      g_printerr ("iio-vk-checksum: none of the %u Vulkan devices imports "
                  "dma-bufs as storage buffers (%s, %s, a compute queue)\n",
          n, device_extensions[0], device_extensions[1]);
  }
  g_free (devs);
  return found;
}

static gboolean
vkc_create_device (Vkc *vk)
{
  const gchar *exts[G_N_ELEMENTS (device_extensions) + 1];
  const gfloat priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = vk->family,
    .queueCount = 1,
    .pQueuePriorities = &priority,
  };
  VkDeviceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &queue_info,
    .ppEnabledExtensionNames = exts,
  };
  guint32 i;

  for (i = 0; i < G_N_ELEMENTS (device_extensions); i++)
    exts[info.enabledExtensionCount++] = device_extensions[i];
  if (vk->has_foreign)
    exts[info.enabledExtensionCount++] =
        VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME;

  if (!VK_CREATED (vkCreateDevice (vk->physical, &info, NULL, &vk->device),
          "vkCreateDevice", vk->device))
    return FALSE;
  vkGetDeviceQueue (vk->device, vk->family, 0, &vk->queue);
  vk->get_memory_fd_properties =
      (PFN_vkGetMemoryFdPropertiesKHR)vkGetDeviceProcAddr (
          vk->device, "vkGetMemoryFdPropertiesKHR");
  if (!vk->get_memory_fd_properties) {
    g_printerr ("iio-vk-checksum: the device has no "
                "vkGetMemoryFdPropertiesKHR\n");
    return FALSE;
  }
  return TRUE;
}

/* Binding 0: the dma-buf's words; binding 1: the two sums. */
static gboolean
vkc_create_pipeline (Vkc *vk)
{
  VkDescriptorSetLayoutBinding bindings[2] = {
    { .binding = 0,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT },
    { .binding = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT },
  };
  VkDescriptorSetLayoutCreateInfo set_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = G_N_ELEMENTS (bindings),
    .pBindings = bindings,
  };
  VkPushConstantRange range = {
    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    .size = 2 * sizeof (guint32),
  };
  VkPipelineLayoutCreateInfo layout_info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &vk->set_layout,
    .pushConstantRangeCount = 1,
    .pPushConstantRanges = &range,
  };
  VkShaderModuleCreateInfo shader_info = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = sizeof (checksum_spv),
    .pCode = checksum_spv,
  };
  VkComputePipelineCreateInfo pipeline_info = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
        .stage = VK_SHADER_STAGE_COMPUTE_BIT,
        .pName = "main",
    },
  };

  if (!VK_CREATED (vkCreateDescriptorSetLayout (
                       vk->device, &set_info, NULL, &vk->set_layout),
          "vkCreateDescriptorSetLayout", vk->set_layout))
    return FALSE;
  if (!VK_CREATED (vkCreatePipelineLayout (
                       vk->device, &layout_info, NULL, &vk->pipeline_layout),
          "vkCreatePipelineLayout", vk->pipeline_layout))
    return FALSE;
  if (!VK_CREATED (
          vkCreateShaderModule (vk->device, &shader_info, NULL, &vk->shader),
          "vkCreateShaderModule", vk->shader))
    return FALSE;
  pipeline_info.stage.module = vk->shader;
  pipeline_info.layout = vk->pipeline_layout;
  return VK_CREATED (vkCreateComputePipelines (vk->device, VK_NULL_HANDLE, 1,
                         &pipeline_info, NULL, &vk->pipeline),
      "vkCreateComputePipelines", vk->pipeline);
}

static gboolean
vkc_create_commands (Vkc *vk)
{
  VkCommandPoolCreateInfo pool_info = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = vk->family,
  };
  VkCommandBufferAllocateInfo cmd_info = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkFenceCreateInfo fence_info = {
    .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO,
  };

  if (!VK_CREATED (
          vkCreateCommandPool (vk->device, &pool_info, NULL, &vk->command_pool),
          "vkCreateCommandPool", vk->command_pool))
    return FALSE;
  cmd_info.commandPool = vk->command_pool;
  if (!VK_CREATED (vkAllocateCommandBuffers (vk->device, &cmd_info, &vk->cmd),
          "vkAllocateCommandBuffers", vk->cmd))
    return FALSE;
  return VK_CREATED (vkCreateFence (vk->device, &fence_info, NULL, &vk->fence),
      "vkCreateFence", vk->fence);
}

static gboolean
vkc_create_result (Vkc *vk)
{
  VkBufferCreateInfo buffer_info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = 2 * sizeof (guint32),
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  VkMemoryAllocateInfo alloc_info = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
  };
  VkMemoryRequirements reqs;
  gpointer map;

  if (!VK_CREATED (vkCreateBuffer (vk->device, &buffer_info, NULL, &vk->result),
          "vkCreateBuffer", vk->result))
    return FALSE;
  vkGetBufferMemoryRequirements (vk->device, vk->result, &reqs);
  /* Coherent: the host's reset is seen by the submit after it, and the
   * shader's sums by the host after the fence, with no flush. */
  if (!find_memory_type (&vk->memory_props, reqs.memoryTypeBits,
          VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
              VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
          &alloc_info.memoryTypeIndex)) {
    g_printerr ("iio-vk-checksum: no host-visible, coherent memory type for "
                "the result (types 0x%x)\n",
        reqs.memoryTypeBits);
    return FALSE;
  }
  alloc_info.allocationSize = reqs.size;
  if (!VK_CREATED (
          vkAllocateMemory (vk->device, &alloc_info, NULL, &vk->result_memory),
          "vkAllocateMemory", vk->result_memory))
    return FALSE;
  if (!vk_ok (vkBindBufferMemory (vk->device, vk->result, vk->result_memory, 0),
          "vkBindBufferMemory"))
    return FALSE;
  if (!vk_ok (vkMapMemory (
                  vk->device, vk->result_memory, 0, VK_WHOLE_SIZE, 0, &map),
          "vkMapMemory"))
    return FALSE;
  vk->sums = map;
  return TRUE;
}

gboolean
vkc_init (Vkc *vk)
{
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "iio-vk-checksum",
    .apiVersion = VK_API_VERSION_1_1,
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pApplicationInfo = &app,
  };

  vk->imports = g_hash_table_new (g_int64_hash, g_int64_equal);
  if (!VK_CREATED (vkCreateInstance (&info, NULL, &vk->instance),
          "vkCreateInstance", vk->instance))
    return FALSE;
  return vkc_pick_device (vk) && vkc_create_device (vk) &&
      vkc_create_pipeline (vk) && vkc_create_commands (vk) &&
      vkc_create_result (vk);
}

static void
vkc_import_free (Vkc *vk, VkcImport *imp)
{
  /* Frees the descriptor set with it. */
  vkDestroyDescriptorPool (vk->device, imp->pool, NULL);
  vkDestroyBuffer (vk->device, imp->buffer, NULL);
  /* Closes the fd Vulkan took at the import. */
  vkFreeMemory (vk->device, imp->memory, NULL);
  g_free (imp);
}

/* Frees whatever vkc_init () and the imports made; safe on a half-made
 * context. */
void
vkc_clear (Vkc *vk)
{
  if (vk->device) {
    GHashTableIter iter;
    gpointer imp;

    /* Nothing is pending after a fence wait; this is for the error paths. */
    vkDeviceWaitIdle (vk->device);
    g_hash_table_iter_init (&iter, vk->imports);
    while (g_hash_table_iter_next (&iter, NULL, &imp)) {
      g_hash_table_iter_steal (&iter);
      vkc_import_free (vk, imp);
    }
    if (vk->sums)
      vkUnmapMemory (vk->device, vk->result_memory);
    vkDestroyBuffer (vk->device, vk->result, NULL);
    vkFreeMemory (vk->device, vk->result_memory, NULL);
    vkDestroyFence (vk->device, vk->fence, NULL);
    /* Frees vk->cmd with it. */
    vkDestroyCommandPool (vk->device, vk->command_pool, NULL);
    vkDestroyPipeline (vk->device, vk->pipeline, NULL);
    vkDestroyShaderModule (vk->device, vk->shader, NULL);
    vkDestroyPipelineLayout (vk->device, vk->pipeline_layout, NULL);
    vkDestroyDescriptorSetLayout (vk->device, vk->set_layout, NULL);
    vkDestroyDevice (vk->device, NULL);
  }
  if (vk->instance)
    vkDestroyInstance (vk->instance, NULL);
  g_clear_pointer (&vk->imports, g_hash_table_unref);
  memset (vk, 0, sizeof (*vk));
}

/* Binds the import's memory to its buffer and gives the shader a descriptor
 * set with the whole dma-buf (binding 0; no offset, so no offset alignment
 * to meet: the samples' place goes in the push constants) and the result
 * (binding 1). */
static gboolean
vkc_import_bind (Vkc *vk, VkcImport *imp)
{
  VkDescriptorPoolSize pool_size = {
    .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
    .descriptorCount = 2,
  };
  VkDescriptorPoolCreateInfo pool_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
    .maxSets = 1,
    .poolSizeCount = 1,
    .pPoolSizes = &pool_size,
  };
  VkDescriptorSetAllocateInfo set_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorSetCount = 1,
    .pSetLayouts = &vk->set_layout,
  };
  VkDescriptorBufferInfo buffers[2] = {
    { .buffer = imp->buffer, .offset = 0, .range = VK_WHOLE_SIZE },
    { .buffer = vk->result, .offset = 0, .range = VK_WHOLE_SIZE },
  };
  VkWriteDescriptorSet writes[2];
  guint i;

  if (!vk_ok (vkBindBufferMemory (vk->device, imp->buffer, imp->memory, 0),
          "vkBindBufferMemory"))
    return FALSE;
  if (!VK_CREATED (
          vkCreateDescriptorPool (vk->device, &pool_info, NULL, &imp->pool),
          "vkCreateDescriptorPool", imp->pool))
    return FALSE;
  set_info.descriptorPool = imp->pool;
  if (!VK_CREATED (vkAllocateDescriptorSets (vk->device, &set_info, &imp->set),
          "vkAllocateDescriptorSets", imp->set))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (writes); i++) {
    writes[i] = (VkWriteDescriptorSet){
      .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
      .dstSet = imp->set,
      .dstBinding = i,
      .descriptorCount = 1,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .pBufferInfo = &buffers[i],
    };
  }
  vkUpdateDescriptorSets (vk->device, G_N_ELEMENTS (writes), writes, 0, NULL);
  return TRUE;
}

/* Imports dma-buf @fd (owned by its GstMemory; not closed here) as the
 * memory of a VkBuffer over the whole dma-buf.
 *
 * The imports are cached by the dma-buf's inode and kept for the program's
 * life: iiodmabufsrc's pool cycles a handful of dma-bufs, so each is
 * imported once, on its first buffer, and the cache stays that small. (An
 * application fed by a source that allocates without end would tie each
 * import to its GstMemory instead, as qdata with a destroy notify.) The
 * import holds the dma-buf open, so no other dma-buf can take its inode
 * while the entry lives. */
VkcImport *
vkc_import_get (Vkc *vk, gint fd, guint64 inode)
{
  VkExternalMemoryBufferCreateInfo external_info = {
    .sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
    .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT,
  };
  VkBufferCreateInfo buffer_info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .pNext = &external_info,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  VkMemoryFdPropertiesKHR fd_props = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR,
  };
  VkMemoryDedicatedAllocateInfo dedicated_info = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO,
  };
  VkImportMemoryFdInfoKHR import_info = {
    .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR,
    .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT,
  };
  VkMemoryAllocateInfo alloc_info = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .pNext = &import_info,
  };
  VkMemoryRequirements reqs;
  VkcImport *imp;
  VkResult res;
  guint32 type_bits;
  off_t end;
  gint owned;

  imp = g_hash_table_lookup (vk->imports, &inode);
  if (imp)
    return imp;

  /* Vulkan takes the fd it imports on success: give it a copy of its own.
   * Until vkAllocateMemory succeeds, that copy is ours to close. */
  owned = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (owned < 0) {
    gint err = errno;

    g_printerr (
        "iio-vk-checksum: dup of dma-buf fd %d: %s\n", fd, g_strerror (err));
    return NULL;
  }
  end = lseek (owned, 0, SEEK_END);
  if (end < 0) {
    gint err = errno;

    g_printerr ("iio-vk-checksum: size of dma-buf fd %d (lseek): %s\n", fd,
        g_strerror (err));
    close (owned);
    return NULL;
  }
  if ((guint64)end > vk->limits.maxStorageBufferRange) {
    g_printerr ("iio-vk-checksum: dma-buf of %" G_GUINT64_FORMAT " bytes is "
                "more than the device's storage buffer range (%u bytes)\n",
        (guint64)end, vk->limits.maxStorageBufferRange);
    close (owned);
    return NULL;
  }
  res = vk->get_memory_fd_properties (vk->device,
      VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT, owned, &fd_props);
  if (!vk_ok (res, "vkGetMemoryFdPropertiesKHR")) {
    close (owned);
    return NULL;
  }

  imp = g_new0 (VkcImport, 1);
  imp->inode = inode;
  imp->dmabuf_size = end;
  buffer_info.size = end;
  if (!VK_CREATED (
          vkCreateBuffer (vk->device, &buffer_info, NULL, &imp->buffer),
          "vkCreateBuffer", imp->buffer))
    goto fail;
  vkGetBufferMemoryRequirements (vk->device, imp->buffer, &reqs);
  type_bits = reqs.memoryTypeBits & fd_props.memoryTypeBits;
  if (reqs.size > imp->dmabuf_size || type_bits == 0) {
    g_printerr ("iio-vk-checksum: the device cannot bind a buffer to this "
                "dma-buf: the buffer needs %" G_GUINT64_FORMAT " bytes of "
                "memory types 0x%x, the dma-buf has %" G_GUINT64_FORMAT
                " bytes of types 0x%x\n",
        (guint64)reqs.size, reqs.memoryTypeBits, (guint64)imp->dmabuf_size,
        fd_props.memoryTypeBits);
    goto fail;
  }

  if (vk->dedicated_only) {
    dedicated_info.buffer = imp->buffer;
    import_info.pNext = &dedicated_info;
  }
  import_info.fd = owned;
  alloc_info.allocationSize = imp->dmabuf_size;
  alloc_info.memoryTypeIndex = g_bit_nth_lsf (type_bits, -1);
  res = vkAllocateMemory (vk->device, &alloc_info, NULL, &imp->memory);
  if (!VK_CREATED (res, "vkAllocateMemory (dma-buf import)", imp->memory))
    goto fail;
  owned = -1;
  vk->n_imports++;

  if (!vkc_import_bind (vk, imp))
    goto fail;
  g_hash_table_insert (vk->imports, &imp->inode, imp);
  return imp;

fail:
  if (owned >= 0)
    close (owned);
  vkc_import_free (vk, imp);
  return NULL;
}

/* Checksums @n_words words of @imp from @first_word on the device; waits for
 * the result. */
gboolean
vkc_checksum (Vkc *vk, VkcImport *imp, guint32 first_word, guint32 n_words,
    guint32 *sum1, guint32 *sum2)
{
  const guint32 range[2] = { first_word, n_words };
  /* The dma-buf is the device's only while the shader reads it: taken from
   * the foreign owner (the ADC, the CPU) before, given back after. */
  const guint32 foreign =
      vk->has_foreign ? VK_QUEUE_FAMILY_FOREIGN_EXT : VK_QUEUE_FAMILY_EXTERNAL;
  VkBufferMemoryBarrier acquire = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT,
    .srcQueueFamilyIndex = foreign,
    .dstQueueFamilyIndex = vk->family,
    .buffer = imp->buffer,
    .size = VK_WHOLE_SIZE,
  };
  VkBufferMemoryBarrier release = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
    .srcQueueFamilyIndex = vk->family,
    .dstQueueFamilyIndex = foreign,
    .buffer = imp->buffer,
    .size = VK_WHOLE_SIZE,
  };
  VkBufferMemoryBarrier to_host = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
    .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
    .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
    .buffer = vk->result,
    .size = VK_WHOLE_SIZE,
  };
  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  VkSubmitInfo submit = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &vk->cmd,
  };
  guint64 groups = ((guint64)n_words + GROUP_SIZE - 1) / GROUP_SIZE;

  if (groups > vk->limits.maxComputeWorkGroupCount[0]) {
    g_printerr ("iio-vk-checksum: %u words need %" G_GUINT64_FORMAT
                " workgroups, more than the device's %u\n",
        n_words, groups, vk->limits.maxComputeWorkGroupCount[0]);
    return FALSE;
  }

  vk->sums[0] = 0;
  vk->sums[1] = 0;

  if (!vk_ok (vkBeginCommandBuffer (vk->cmd, &begin), "vkBeginCommandBuffer"))
    return FALSE;
  vkCmdPipelineBarrier (vk->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, NULL, 1, &acquire, 0, NULL);
  vkCmdBindPipeline (vk->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk->pipeline);
  vkCmdBindDescriptorSets (vk->cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
      vk->pipeline_layout, 0, 1, &imp->set, 0, NULL);
  vkCmdPushConstants (vk->cmd, vk->pipeline_layout, VK_SHADER_STAGE_COMPUTE_BIT,
      0, sizeof (range), range);
  vkCmdDispatch (vk->cmd, (guint32)groups, 1, 1);
  vkCmdPipelineBarrier (vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, NULL, 1, &release, 0, NULL);
  vkCmdPipelineBarrier (vk->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_PIPELINE_STAGE_HOST_BIT, 0, 0, NULL, 1, &to_host, 0, NULL);
  if (!vk_ok (vkEndCommandBuffer (vk->cmd), "vkEndCommandBuffer"))
    return FALSE;

  if (!vk_ok (
          vkQueueSubmit (vk->queue, 1, &submit, vk->fence), "vkQueueSubmit"))
    return FALSE;
  if (!vk_ok (vkWaitForFences (
                  vk->device, 1, &vk->fence, VK_TRUE, DISPATCH_TIMEOUT),
          "vkWaitForFences"))
    return FALSE;
  if (!vk_ok (vkResetFences (vk->device, 1, &vk->fence), "vkResetFences"))
    return FALSE;

  *sum1 = vk->sums[0];
  *sum2 = vk->sums[1];
  return TRUE;
}
